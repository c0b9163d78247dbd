using Lowbit.Cli.Observers;
using Lowbit.Training;
using Lowbit.Training.Language;

namespace Lowbit.Cli.Tests.Observers;

/// <summary>Epoch lines: hand-formatted values, aligned under the header, within 80 columns at the extremes.</summary>
public sealed class EpochTableTests
{
    [Fact]
    public void Row_ImageEpoch_HandFormatted()
    {
        var m = new EpochMetrics(3, 0.001, 0.34567, 0.89123, 0.3, 0.9012, 0.90449, 10.0, 12.34);
        Assert.Equal("     3/20     0.001    0.3457     89.12%    90.12%    90.45%    12.3s  best", EpochTable.Row(m, 20, best: true));
        var noValidation = m with { ValidationAccuracy = null };
        Assert.Equal("     3/20     0.001    0.3457     89.12%         -    90.45%    12.3s", EpochTable.Row(noValidation, 20, best: false));
    }

    [Fact]
    public void Row_LanguageModelEpoch_HandFormatted()
    {
        // Perplexities exp(loss): exp(4.5) = 90.0171, exp(4.6) = 99.4843, exp(4.7) = 109.9472.
        var m = new LanguageModelEpochMetrics(1, 20, 4.5, 4.6, 4.7, 100, 130, 0.126);
        Assert.Equal("     1/39        20       90.02       99.48      109.95      13%    2m10s", EpochTable.Row(m, 39, best: false));
    }

    [Fact]
    public void Columns_LineUpUnderTheHeader()
    {
        var m = new EpochMetrics(3, 0.001, 0.34567, 0.89123, 0.3, 0.9012, 0.90449, 10.0, 12.34);
        AssertAligned(EpochTable.Header, EpochTable.Row(m, 20, best: false));
        var lm = new LanguageModelEpochMetrics(1, 20, 4.5, 4.6, 4.7, 100, 130, 0.125);
        AssertAligned(EpochTable.LanguageModelHeader, EpochTable.Row(lm, 39, best: false));
    }

    [Fact]
    public void ExtremeValues_FitIn80Columns()
    {
        var image = new EpochMetrics(9999, 1.23456e-5, 9999.9999, 1, 9999.9999, 1, 1, 86000, 86399);
        var lm = new LanguageModelEpochMetrics(9999, 1.23456e-5, Math.Log(9_999_999.99), Math.Log(9_999_999.99), Math.Log(9_999_999.99), 86000, 86399, 1);
        foreach (string line in new[] { EpochTable.Header, EpochTable.LanguageModelHeader, EpochTable.Row(image, 9999, true), EpochTable.Row(lm, 9999, true) })
            Assert.True(line.Length <= EpochTable.MaxWidth, $"{line.Length} columns: '{line}'");
    }

    [Theory]
    [InlineData(0.04, "0.0s")]
    [InlineData(59.9, "59.9s")]
    [InlineData(59.97, "0m59s")] // rounds to one decimal as 60.0: shown as minutes
    [InlineData(125, "2m05s")]
    [InlineData(3600, "1h00m")]
    [InlineData(7384, "2h03m")]
    public void Seconds_Formats(double seconds, string expected) => Assert.Equal(expected, EpochTable.Seconds(seconds));

    /// <summary>Every header label ends where a value ends (right-aligned columns).</summary>
    private static void AssertAligned(string header, string row)
    {
        for (int i = 0; i < header.Length; i++)
        {
            // A label ends before two spaces or the end of the line ("train acc" is one label).
            bool labelEnds = header[i] != ' ' && (i + 1 == header.Length || header[i + 1] == ' ' && (i + 2 == header.Length || header[i + 2] == ' '));
            if (!labelEnds) continue;
            Assert.True(i < row.Length && row[i] != ' ' && (i + 1 == row.Length || row[i + 1] == ' '),
                $"column ending at {i} is not aligned:\n{header}\n{row}");
        }
    }
}
