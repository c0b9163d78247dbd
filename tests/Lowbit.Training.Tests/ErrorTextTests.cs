namespace Lowbit.Training.Tests;

public class ErrorTextTests
{
    [Fact]
    public void Bare_ArgumentOutOfRange_DropsParameterAndActualValue()
    {
        var e = new ArgumentOutOfRangeException("bits", 99, "bits must be in [1, 16].");
        Assert.Equal("bits must be in [1, 16].", ErrorText.Bare(e));
    }

    [Fact]
    public void OneLine_JoinsLinesAndBlanksControlCharacters()
    {
        Assert.Equal("a; b c", ErrorText.OneLine("a\r\nb\u0007c"));
        Assert.Equal(10, ErrorText.OneLine(new string('x', 50), maxLength: 10).Length);
    }
}
