using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class MixedPrecisionQuantizersTests
{
    private static Quantizer Create(string type, Dictionary<string, object>? options = null)
    {
        var spec = new QuantizerSpec(type, options, "test");
        var factory = MixedPrecisionQuantizers.Factories().Single(f => f.Name == type).Factory;
        Quantizer q;
        try
        {
            q = factory(spec);
        }
        catch (ArgumentException e)
        {
            throw new QuantizerConfigException(e.Message); // what QuantizerRegistry.Create does
        }
        spec.EnsureAllRead();
        return q;
    }

    [Fact]
    public void Factories_EveryNameCreatesWithDefaultsExceptHbb()
    {
        var names = MixedPrecisionQuantizers.Factories().Select(f => f.Name).ToArray();
        Assert.Equal(["residual", "hbb", "balanced", "uniform_minmax", "bitpruning", "bitpruning_fixed"], names);
        foreach (var name in names.Where(n => n != "hbb")) Assert.Equal(name, Create(name).Name);
        Assert.Throws<QuantizerConfigException>(() => Create("hbb"));
    }

    [Fact]
    public void Hbb_ConfigExample_Creates()
    {
        var q = (HeterogeneousBinarizer)Create("hbb", new() { ["mix"] = "1:0.7,2:0.2,3:0.1" });
        Assert.Equal(1.4, q.BitWidth, 12);
        Assert.Equal(BitSelection.MiddleOut, q.Selection);
        var r = (HeterogeneousBinarizer)Create("hbb", new() { ["average_bits"] = 1.4, ["selection"] = "random", ["recompute"] = "frozen", ["elements"] = 100.0 });
        Assert.Equal("1:0.6,2:0.4", r.Mix.ToString());
        Assert.True(r.RecomputeFrozen);
        Assert.Equal(2, r.StateTensors.Count);
    }

    [Fact]
    public void Options_ReadIntoTheQuantizers()
    {
        Assert.Equal(3, ((ResidualBinarizer)Create("residual", new() { ["bits"] = 3.0, ["role"] = "activation" })).Bits);
        Assert.Equal("mean", ((BalancedQuantizer)Create("balanced", new() { ["partition"] = "mean" })).Partition);
        var bp = (BitPruningQuantizer)Create("bitpruning", new() { ["bits"] = 6.5, ["per_channel"] = true, ["channels"] = 4.0 });
        Assert.Equal(4, bp.BitLength.Length);
        Assert.Equal(6.5, bp.BitWidth, 6);
        Assert.Equal(new[] { 5 }, ((FixedBitQuantizer)Create("bitpruning_fixed", new() { ["bits"] = 5.0 })).Bits);
    }

    [Theory]
    [InlineData("hbb", "mix", "1:0.7,2:0.2")]
    [InlineData("hbb", "selection", "best")]
    [InlineData("hbb", "recompute", "sometimes")]
    [InlineData("residual", "bits", 9.0)]
    [InlineData("balanced", "partition", "mode")]
    [InlineData("residual", "unknown", 1.0)]
    public void BadOptions_AreConfigErrors(string type, string key, object value)
    {
        var options = new Dictionary<string, object> { [key] = value };
        if (type == "hbb" && key != "mix") options["mix"] = "1:1";
        Assert.Throws<QuantizerConfigException>(() => Create(type, options));
    }

    [Fact]
    public void Residual_MeansOption_RunningAndErrors()
    {
        var q = (ResidualBinarizer)Create("residual", new() { ["role"] = "activation", ["means"] = "running", ["momentum"] = 0.05 });
        Assert.Equal(("running", 0.05), (q.Means, q.Momentum));
        Assert.Equal(new[] { "running_means", "running_updates" }, q.StateTensors.Select(t => t.Name));
        Assert.Equal("per_sample", ((ResidualBinarizer)Create("residual", new() { ["role"] = "activation" })).Means);
        var e = Assert.Throws<QuantizerConfigException>(() => Create("residual", new() { ["role"] = "activation", ["means"] = "frozen" }));
        Assert.Contains("'means'", e.Message);
        Assert.Throws<QuantizerConfigException>(() => Create("residual", new() { ["means"] = "running" })); // role weight
        Assert.Throws<QuantizerConfigException>(() => Create("residual", new() { ["role"] = "activation", ["momentum"] = 0.1 }));
        Assert.Equal("running", ((ResidualBinarizer)Create("residual", new() { ["role"] = "activation", ["means"] = "running", ["train_means"] = "running" })).TrainMeans);
        Assert.Throws<QuantizerConfigException>(() => Create("residual", new() { ["role"] = "activation", ["train_means"] = "running" }));
        Assert.Throws<QuantizerConfigException>(() => Create("residual", new() { ["role"] = "activation", ["means"] = "running", ["train_means"] = "sometimes" }));
    }

    [Fact]
    public void Hbb_BothMixAndAverage_IsAConfigError()
    {
        Assert.Throws<QuantizerConfigException>(() => Create("hbb", new() { ["mix"] = "1:1", ["average_bits"] = 1.0 }));
    }
}
