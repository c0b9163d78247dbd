using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Lowbit.Cli.Plotting;

namespace Lowbit.Cli.Tests;

public sealed class PlotCommandTests : IDisposable
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";
    private readonly string _folder = Directory.CreateTempSubdirectory("lowbit-plot-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Result(string model, int seed, string dataset, double bits, double error)
    {
        var dir = Path.Combine(_folder, "results", model, $"seed{seed}");
        Directory.CreateDirectory(dir);
        var obj = new JsonObject { ["model"] = model, ["dataset"] = dataset, ["seed"] = seed, ["weight_bits_avg"] = bits, ["test_error"] = error };
        File.WriteAllText(Path.Combine(dir, "result.json"), obj.ToJsonString());
    }

    private void HandResults()
    {
        Result("fashion-mnist-residual-w1a2", 1, "fashion-mnist", 1, 0.12);
        Result("fashion-mnist-residual-w1a2", 2, "fashion-mnist", 1, 0.14);
        Result("fashion-mnist-residual-w2a2", 1, "fashion-mnist", 2, 0.10);
        Result("fashion-mnist-residual-w3a2", 1, "fashion-mnist", 3, 0.09);
        Result("fashion-mnist-hbb-1.4", 1, "fashion-mnist", 1.4, 0.11);
        Result("fashion-mnist-mlp-float", 1, "fashion-mnist", 32, 0.10);
        Result("mnist-residual-w2a2", 1, "mnist", 2, 0.02);
    }

    [Fact]
    public void Plot_HandResults_WellFormedSvg_PointsWhereTheScalePutsThem()
    {
        HandResults();
        string svgPath = Path.Combine(_folder, "plots", "f.svg");
        var (code, output, error) = Run("plot", "--results", Path.Combine(_folder, "results"), "--out", svgPath, "--dataset", "fashion-mnist");
        Assert.True(code == 0, error);
        Assert.Contains("2 series, 4 points from 5 runs; left out above 8 bits: fashion-mnist-mlp-float", output);

        var doc = XDocument.Parse(File.ReadAllText(svgPath)); // throws unless well-formed
        Assert.Equal(s_svg + "svg", doc.Root!.Name);
        var series = doc.Descendants(s_svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(new[] { "fashion-mnist-hbb", "fashion-mnist-residual" }, series.Select(g => (string)g.Attribute("data-name")!));

        // Axes: x 1..3 (range 2 → step 0.5), y 9..14 % (range 5 → step 1). Plot area x 80..600, y 430 (bottom)..50 (top).
        // hbb (1.4, 11 %): x = 80 + 0.4/2·520 = 184, y = 430 − 2/5·380 = 278.
        // residual: (1, 13 % mean of 12 and 14) → (80, 126); (2, 10 %) → (340, 354); (3, 9 %) → (600, 430).
        AssertCircles(series[0], (184, 278));
        AssertCircles(series[1], (80, 126), (340, 354), (600, 430));
        // The 1-bit point has a min–max bar from 12 % (y 202) to 14 % (y 50); single-seed points have none.
        var bar = Assert.Single(series[1].Elements(s_svg + "path"));
        Assert.Equal("M76.00,202.00 H84.00 M80.00,202.00 V50.00 M76.00,50.00 H84.00", (string)bar.Attribute("d")!);
        Assert.Equal("80.00,126.00 340.00,354.00 600.00,430.00", (string)series[1].Element(s_svg + "polyline")!.Attribute("points")!);

        var texts = doc.Descendants(s_svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("average weight bits", texts);
        Assert.Contains("test error (%)", texts);
        Assert.Contains("fashion-mnist-residual", texts); // legend
        foreach (var tick in new[] { "1", "1.5", "2", "2.5", "3", "9", "14" }) Assert.Contains(tick, texts);
    }

    [Fact]
    public void Plot_NestedXFieldAndMark_PlotsThatFieldWithADashedLine()
    {
        foreach (var (bits, error) in new[] { (6, 0.05), (8, 0.02), (10, 0.013), (12, 0.012) })
        {
            var dir = Path.Combine(_folder, "results", $"mnist-lowprec-dfxp-{bits}-12", "seed1");
            Directory.CreateDirectory(dir);
            var obj = new JsonObject { ["model"] = $"mnist-lowprec-dfxp-{bits}-12", ["dataset"] = "mnist", ["weight_bits_avg"] = 32, ["test_error"] = error,
                ["arithmetic"] = new JsonObject { ["propagation_bits"] = bits } };
            File.WriteAllText(Path.Combine(dir, "result.json"), obj.ToJsonString());
        }
        Result("mnist-lowprec-float32", 1, "mnist", 32, 0.012); // no "arithmetic" section: left out of an arithmetic x axis
        string svgPath = Path.Combine(_folder, "sweep.svg");
        var (code, output, err) = Run("plot", "--results", Path.Combine(_folder, "results"), "--out", svgPath, "--x", "arithmetic.propagation_bits",
            "--mark", "10=knee", "--hline", "1.2=float32");
        Assert.True(code == 0, err);
        Assert.Contains("1 series, 4 points from 4 runs", output, StringComparison.Ordinal);
        var doc = XDocument.Parse(File.ReadAllText(svgPath));
        var series = Assert.Single(doc.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "series");
        Assert.Equal("mnist-lowprec-dfxp", (string)series.Attribute("data-name")!);
        // x 6..12 (step 2) over 80..600: 10 → 80 + 4/6·520 = 426.67; y 1..5 % (step 1) over 430..50: 1.3 % → 430 − 0.3/4·380 = 401.5
        AssertCircles(series, (80, 50), (253.33, 335), (426.67, 401.5), (600, 411));
        var mark = Assert.Single(doc.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "mark");
        Assert.Equal("426.67", (string)mark.Element(s_svg + "line")!.Attribute("x1")!);
        Assert.Equal("knee", mark.Element(s_svg + "text")!.Value);
        Assert.Contains("arithmetic.propagation_bits", doc.Descendants(s_svg + "text").Select(t => t.Value));
        var hline = Assert.Single(doc.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "hline");
        Assert.Equal("411.00", (string)hline.Element(s_svg + "line")!.Attribute("y1")!); // 1.2 % on the 1..5 % axis
        Assert.Equal("float32", hline.Element(s_svg + "text")!.Value);
        var (badCode, _, badError) = Run("plot", "--results", Path.Combine(_folder, "results"), "--out", svgPath, "--mark", "ten=knee");
        Assert.Equal(1, badCode);
        Assert.Contains("--mark 'ten=knee'", badError, StringComparison.Ordinal);
        Assert.Equal(1, Run("plot", "--results", Path.Combine(_folder, "results"), "--out", svgPath, "--hline", "x").Code);
    }

    [Fact]
    public void PlotRadix_ArithmeticCsv_OneLinePerGroupFilteredByName()
    {
        var run = Path.Combine(_folder, "run");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "arithmetic.csv"), """
            step,epoch,phase,group,integer_bits,overflow_rate,overflow_rate_below
            -200,0,start,L1/z,5,,
            -200,0,start,L1/dE/dW,5,,
            -100,0,range_init,L1/z,4,0,0
            -100,0,range_init,L1/dE/dW,4,0,0
            0,0,range_init,L1/dE/dW,3,0,0
            100,1,train,L1/dE/dW,2,0,1E-05
            """.Replace("\r", "", StringComparison.Ordinal));
        string svgPath = Path.Combine(_folder, "radix.svg");
        var (code, output, err) = Run("plot-radix", "--run", run, "--out", svgPath, "--group", "dE/dW");
        Assert.True(code == 0, err);
        Assert.Contains("1 groups, 4 records", output, StringComparison.Ordinal);
        Assert.Contains("L1/dE/dW: 5 → 2 integer bits (min 2, max 5)", output, StringComparison.Ordinal);
        var doc = XDocument.Parse(File.ReadAllText(svgPath));
        var series = Assert.Single(doc.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "series");
        Assert.Empty(series.Elements(s_svg + "circle"));
        // x −200..100 (step 50) over 80..600, y 2..5 → axis 2..5 (step 0.5) over 430..50
        Assert.Equal("80.00,50.00 253.33,176.67 426.67,303.33 600.00,430.00", (string)series.Element(s_svg + "polyline")!.Attribute("points")!);
        var (missing, _, missingError) = Run("plot-radix", "--run", _folder, "--out", svgPath);
        Assert.Equal(1, missing);
        Assert.Contains("arithmetic.csv' does not exist", missingError, StringComparison.Ordinal);
    }

    [Fact]
    public void Plot_NothingMatches_IsOneLineUserError()
    {
        HandResults();
        var (code, _, error) = Run("plot", "--results", Path.Combine(_folder, "results"), "--out", Path.Combine(_folder, "x.svg"), "--dataset", "cifar10");
        Assert.Equal(1, code);
        Assert.StartsWith("lowbit: no result.json under", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void Plot_MissingFolder_IsUserError()
    {
        var (code, _, error) = Run("plot", "--results", Path.Combine(_folder, "nope"), "--out", Path.Combine(_folder, "x.svg"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fashion-mnist-residual-w2a2", "fashion-mnist-residual")]
    [InlineData("fashion-mnist-hbb-1.4-random", "fashion-mnist-hbb-random")]
    [InlineData("mnist-bitpruning-bits-lam0.05", "mnist-bitpruning-bits")]
    [InlineData("mnist-balanced-w3", "mnist-balanced")]
    [InlineData("fashion-mnist-pdb-432", "fashion-mnist-pdb")]
    [InlineData("mnist-pdb-auto-b2", "mnist-pdb-auto")]
    [InlineData("mnist-dorefa-w2a2g6", "mnist-dorefa-w2a2g6")]
    [InlineData("cifar10-cnn", "cifar10-cnn")]
    [InlineData("fashion-mnist-w128-residual-w2a2", "fashion-mnist-w128-residual")]
    [InlineData("fashion-mnist-w128-bitpruning-memory-lam0.01", "fashion-mnist-w128-bitpruning-memory")]
    public void Family_StripsBitSettingTokens(string model, string family) => Assert.Equal(family, ResultSeries.Family(model));

    [Theory]
    [InlineData(1, 3, 1, 3, 0.5)]
    [InlineData(9, 14, 9, 14, 1)]
    [InlineData(1.2, 1.9, 1.2, 2, 0.2)]
    [InlineData(2, 2, 1.4, 2.6, 0.2)] // flat: padded to [1.5, 2.5] first
    [InlineData(0.11, 0.87, 0, 1, 0.2)]
    public void NiceAxis_CoversRangeWithOneTwoFiveSteps(double lo, double hi, double min, double max, double step)
    {
        var axis = NiceAxis.For(lo, hi, 0.5);
        Assert.Equal(min, axis.Min, 9);
        Assert.Equal(max, axis.Max, 9);
        Assert.Equal(step, axis.Step, 9);
    }

    private static void AssertCircles(XElement series, params (double X, double Y)[] expected)
    {
        var circles = series.Elements(s_svg + "circle").ToList();
        Assert.Equal(expected.Length, circles.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            double cx = double.Parse((string)circles[i].Attribute("cx")!, CultureInfo.InvariantCulture);
            double cy = double.Parse((string)circles[i].Attribute("cy")!, CultureInfo.InvariantCulture);
            Assert.True(Math.Abs(cx - expected[i].X) < 0.01 && Math.Abs(cy - expected[i].Y) < 0.01, $"point {i}: expected ({expected[i].X}, {expected[i].Y}), got ({cx}, {cy})");
        }
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
