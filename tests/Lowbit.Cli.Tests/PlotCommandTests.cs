using System.Text.Json.Nodes;
using Lowbit.Cli.Plotting;

namespace Lowbit.Cli.Tests;

public sealed class PlotCommandTests : IDisposable
{
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

        var svg = SvgDrawing.Parse(File.ReadAllText(svgPath)); // throws unless well-formed
        // Series in name order, styled by position: hbb (1.4, 11 %); residual (1, 13 % = mean of 12 and 14), (2, 10 %), (3, 9 %).
        var hbb = svg.Markers(ChartStyle.For(0));
        var residual = svg.Markers(ChartStyle.For(1));
        var scale = SvgDrawing.Scale.Fit([(1.4, 11, hbb[0]), (1, 13, residual[0]), (2, 10, residual[1]), (3, 9, residual[2])]);
        Assert.Equal(3, svg.Line(ChartStyle.For(1), 2).Length);
        scale.AssertMaps([(1, 13), (2, 10), (3, 9)], svg.Line(ChartStyle.For(1), 2));
        // The 1-bit point has a min–max bar from 12 % to 14 %; single-seed points have none.
        scale.AssertMaps([(1, 12), (1, 14)], svg.Line(ChartStyle.For(1), 1));
        Assert.Empty(svg.Lines(ChartStyle.For(0), 1));

        Assert.Contains("average weight bits", svg.Texts);
        Assert.Contains("test error (%)", svg.Texts);
        Assert.Contains("fashion-mnist-residual", svg.Texts); // legend
        Assert.Contains("fashion-mnist-hbb", svg.Texts);
    }

    [Fact]
    public void Plot_SixteenSeries_SixteenDistinctStyles()
    {
        for (int i = 0; i < 16; i++) Result($"family{i:00}-model", 1, "mnist", 1 + i % 4, 0.01 * (i + 1));
        string svgPath = Path.Combine(_folder, "many.svg");
        Assert.Equal(0, Run("plot", "--results", Path.Combine(_folder, "results"), "--out", svgPath).Code);
        var svg = SvgDrawing.Parse(File.ReadAllText(svgPath));
        var styles = Enumerable.Range(0, 16).Select(ChartStyle.For).ToList();
        Assert.Equal(16, styles.Distinct().Count());
        Assert.Equal(16, styles.Select(s => s.Color).Distinct().Count());
        foreach (var style in styles) Assert.NotEmpty(svg.Markers(style));
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
        var svg = SvgDrawing.Parse(File.ReadAllText(svgPath));
        var markers = svg.Markers(ChartStyle.For(0));
        var scale = SvgDrawing.Scale.Fit([(6, 5, markers[0]), (8, 2, markers[1]), (10, 1.3, markers[2]), (12, 1.2, markers[3])]);
        Assert.Contains("arithmetic.propagation_bits", svg.Texts);
        Assert.Contains("mnist-lowprec-dfxp", svg.Texts);
        // The reference lines: a vertical one at x = 10 and a horizontal one at 1.2 %, with their labels.
        var references = svg.Lines(SvgDrawing.ReferenceColor, 1.5);
        Assert.Equal(2, references.Count);
        Assert.All(references[0], p => Assert.Equal(scale.X(10), p.X, 2));
        Assert.All(references[1], p => Assert.Equal(scale.Y(1.2), p.Y, 2));
        Assert.Contains("knee", svg.Texts);
        Assert.Contains("float32", svg.Texts);
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
        var svg = SvgDrawing.Parse(File.ReadAllText(svgPath));
        Assert.Empty(svg.Markers(ChartStyle.For(0)));
        var line = svg.Line(ChartStyle.For(0), 2);
        Assert.Equal(4, line.Length);
        var scale = SvgDrawing.Scale.Fit([(-200, 5, line[0]), (100, 2, line[3])]);
        scale.AssertMaps([(-200, 5), (-100, 4), (0, 3), (100, 2)], line);
        Assert.Contains("L1/dE/dW", svg.Texts);
        var (missing, _, missingError) = Run("plot-radix", "--run", _folder, "--out", svgPath);
        Assert.Equal(1, missing);
        Assert.Contains("arithmetic.csv' does not exist", missingError, StringComparison.Ordinal);
    }

    [Fact]
    public void PlotCurves_MetricsCsv_ErrorPerEpochWhereTheScalePutsIt()
    {
        var run = Path.Combine(_folder, "results", "cifar10-resnet20", "seed2");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "metrics.csv"), """
            epoch,learning_rate,train_loss,train_accuracy,val_loss,val_accuracy,test_accuracy,train_seconds,epoch_seconds
            1,0.1,1.9,0.30,1.7,0.40,0.375,10,12
            2,0.1,1.5,0.45,1.4,0.50,0.5,10,12
            3,0.1,1.2,0.55,1.2,0.60,0.75,10,12
            """.Replace("\r", "", StringComparison.Ordinal));
        string svgPath = Path.Combine(_folder, "curves.svg");
        var (code, output, err) = Run("plot-curves", "--run", run, "--out", svgPath, "--split", "test");
        Assert.True(code == 0, err);
        Assert.Contains("1 curves", output, StringComparison.Ordinal);
        Assert.Contains("cifar10-resnet20 seed2 test: 3 epochs, last 25, best 25 at epoch 3", output, StringComparison.Ordinal);
        var svg = SvgDrawing.Parse(File.ReadAllText(svgPath));
        var line = svg.Line(ChartStyle.For(0), 2);
        Assert.Equal(3, line.Length);
        var scale = SvgDrawing.Scale.Fit([(1, 62.5, line[0]), (3, 25, line[2])]);
        scale.AssertMaps([(1, 62.5), (2, 50), (3, 25)], line);

        // Default splits are val and test: two curves; the validation error of epoch 2 is 50 %.
        var (both, bothOutput, _) = Run("plot-curves", "--run", run, "--out", svgPath);
        Assert.Equal(0, both);
        Assert.Contains("cifar10-resnet20 seed2 val: 3 epochs, last 40, best 40 at epoch 3", bothOutput, StringComparison.Ordinal);

        var lm = Path.Combine(_folder, "lm");
        Directory.CreateDirectory(lm);
        File.WriteAllText(Path.Combine(lm, "metrics.csv"), "epoch,train_loss,val_perplexity,test_perplexity\n1,5,150,140\n2,4.5,120,115\n");
        var (mixed, _, mixedError) = Run("plot-curves", "--run", run, "--run", lm, "--out", svgPath);
        Assert.Equal(1, mixed);
        Assert.Contains("cannot draw a language model's perplexity and a classifier's error", mixedError, StringComparison.Ordinal);
        var (ppl, pplOutput, pplError) = Run("plot-curves", "--run", lm, "--out", svgPath, "--split", "test");
        Assert.True(ppl == 0, pplError);
        Assert.Contains("lm test: 2 epochs, last 115, best 115 at epoch 2", pplOutput, StringComparison.Ordinal);

        var (bad, _, badError) = Run("plot-curves", "--run", run, "--out", svgPath, "--split", "train2");
        Assert.Equal(1, bad);
        Assert.Contains("--split 'train2' is not one of train, val, test", badError, StringComparison.Ordinal);
        var (missing, _, missingError) = Run("plot-curves", "--run", _folder, "--out", svgPath);
        Assert.Equal(1, missing);
        Assert.Contains("metrics.csv' does not exist", missingError, StringComparison.Ordinal);
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

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
