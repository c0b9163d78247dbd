namespace Lowbit.Cli.Tests;

/// <summary>Edit distances checked by hand, and which names are suggested.</summary>
public sealed class SuggestionsTests
{
    [Theory]
    [InlineData("", "", 0)]
    [InlineData("", "abc", 3)]
    [InlineData("train", "train", 0)]
    [InlineData("trian", "train", 1)] // one swap of neighbours
    [InlineData("tain", "train", 1)] // one insertion
    [InlineData("trainn", "train", 1)] // one deletion
    [InlineData("trxin", "train", 1)] // one substitution
    [InlineData("kitten", "sitting", 3)] // the classic: k→s, e→i, +g
    [InlineData("ca", "abc", 3)] // optimal string alignment, not full Damerau (which gives 2)
    public void Distance_HandComputed(string a, string b, int expected)
    {
        Assert.Equal(expected, Suggestions.Distance(a, b));
        Assert.Equal(expected, Suggestions.Distance(b, a));
    }

    [Fact]
    public void For_ClosestFirst_PrefixesCount_FarNamesDoNot()
    {
        string[] commands = ["train", "eval", "bench", "summary", "plot", "plot-radix", "report"];
        Assert.Equal(["train"], Suggestions.For("trian", commands));
        Assert.Equal(["summary"], Suggestions.For("SUMARY", commands));
        Assert.Equal(["plot", "plot-radix"], Suggestions.For("plo", commands));
        Assert.Equal(["--config"], Suggestions.For("--confg", ["--config", "--set", "--out"]));
        Assert.Equal(["--epochs"], Suggestions.For("--epo", ["--out", "--epochs"]));
        Assert.Empty(Suggestions.For("x", commands));
        Assert.Empty(Suggestions.For("deploy", commands));
    }

    [Fact]
    public void Quoted_JoinsWithOr()
    {
        Assert.Equal("'a'", Suggestions.Quoted(["a"]));
        Assert.Equal("'a' or 'b'", Suggestions.Quoted(["a", "b"]));
        Assert.Equal("'a', 'b' or 'c'", Suggestions.Quoted(["a", "b", "c"]));
    }
}
