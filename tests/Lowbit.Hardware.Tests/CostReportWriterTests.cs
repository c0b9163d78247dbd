using System.Text.Json;

namespace Lowbit.Hardware.Tests;

public sealed class CostReportWriterTests
{
    [Fact]
    public void ToJson_SmallMlp_RoundTripsKeyValues()
    {
        var report = CostModel.Estimate(CostReportTests.SmallMlp());

        using var document = JsonDocument.Parse(CostReportJsonWriter.ToJson(report));
        var root = document.RootElement;
        var layers = root.GetProperty("layers");

        Assert.Equal("mlp", root.GetProperty("name").GetString());
        Assert.Equal(3, layers.GetArrayLength());
        Assert.Equal(802_816, layers[0].GetProperty("payloadBits").GetInt64());
        Assert.Equal("Binary", layers[0].GetProperty("datapath").GetString());
        Assert.Equal(JsonValueKind.Null, layers[1].GetProperty("xnorGates").ValueKind);
        Assert.Equal("het3", layers[2].GetProperty("weightEncoding").GetString());
        Assert.Equal(report.Totals.TotalBits, root.GetProperty("totals").GetProperty("totalBits").GetInt64());
        Assert.Equal(39_040.0, root.GetProperty("totals").GetProperty("peakActivationBits").GetDouble());
        Assert.Equal(report.Totals.UniqBops, root.GetProperty("totals").GetProperty("uniqBops").GetDouble());
    }

    [Fact]
    public void Write_Text_HasHeaderOneLinePerLayerAndTotals()
    {
        var report = CostModel.Estimate(CostReportTests.SmallMlp());
        using var writer = new StringWriter();

        CostReportTextWriter.Write(report, writer);
        string[] lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("Cost model: mlp", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("layer", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("fc1", lines[3], StringComparison.Ordinal);
        Assert.StartsWith("fc2", lines[5], StringComparison.Ordinal);
        Assert.StartsWith("total", lines[7], StringComparison.Ordinal);
        Assert.Contains("802,816", lines[3], StringComparison.Ordinal);
        Assert.Contains("39,040 bits at 'fc1'", writer.ToString(), StringComparison.Ordinal);
        int width = lines[1].Length;
        Assert.All(lines[1..8], line => Assert.Equal(width, line.Length));
    }
}
