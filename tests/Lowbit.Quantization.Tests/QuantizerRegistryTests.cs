using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests;

public class QuantizerRegistryTests
{
    public static TheoryData<string> AllNames()
    {
        var data = new TheoryData<string>();
        foreach (var n in QuantizerRegistry.Names) data.Add(n);
        return data;
    }

    [Fact]
    public void Names_ContainEveryCoreQuantizer()
    {
        string[] expected = ["ste_sign", "approx_sign", "swish_sign", "bc_det", "bc_stoch", "bnn_plus_weight", "xnor_weight", "xnor_act",
            "dorefa_weight", "dorefa_act", "dorefa_grad", "linear_quant", "log_quant", "fm_binary", "fm_ternary", "fm_pow2_input",
            "ternary", "pact", "lsq"];
        Assert.Empty(expected.Except(QuantizerRegistry.Names));
    }

    /// <summary>Options a quantizer cannot do without (everything else has defaults).</summary>
    private static IReadOnlyDictionary<string, object> RequiredOptions(string name) => name switch
    {
        "hbb" => new Dictionary<string, object> { ["mix"] = "1:0.6,2:0.4" },
        _ => new Dictionary<string, object>(),
    };

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Create_Default_HasNameAndRunsOnAWeight(string name)
    {
        var q = QuantizerRegistry.Create(new QuantizerSpec(name, RequiredOptions(name)));
        Assert.Equal(name, q.Name);
        Assert.True(q.BitWidth >= 1);
        var x = Tensor.RandomUniform(new Random(1), -1, 1, [4, 6]);
        x.RequiresGrad = true;
        var y = q.Quantize(x, new QuantizerContext(true, new Random(2)));
        Assert.Equal(x.Shape, y.Shape);
        Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void Create_UnknownOption_ThrowsNamingIt(string name)
    {
        var options = new Dictionary<string, object>(RequiredOptions(name)) { ["bitz"] = 2.0 };
        var e = Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create(new QuantizerSpec(name, options)));
        Assert.Contains("bitz", e.Message, StringComparison.Ordinal);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dorefa_weight", "bits", 2.0)]
    [InlineData("dorefa_act", "bits", 4.0)]
    [InlineData("linear_quant", "range_mode", "max")]
    [InlineData("bc_stoch", "eval", "sign")]
    [InlineData("swish_sign", "beta", 10.0)]
    [InlineData("bnn_plus_weight", "regularizer", "l1")]
    [InlineData("lsq", "role", "activation")]
    [InlineData("log_quant", "max_exponent", -2.0)]
    [InlineData("fm_binary", "w0", 0.25)]
    [InlineData("pact", "alpha", 6.0)]
    public void Create_KnownOption_IsAccepted(string name, string option, object value) =>
        Assert.Equal(name, QuantizerRegistry.Create(new QuantizerSpec(name, new Dictionary<string, object> { [option] = value })).Name);

    [Theory]
    [InlineData("dorefa_weight", "bits", 0.0)]
    [InlineData("dorefa_act", "bits", 2.5)]
    [InlineData("bc_stoch", "eval", "mean")]
    [InlineData("pact", "alpha", -1.0)]
    [InlineData("lsq", "bits", 1.0)]
    [InlineData("ternary", "threshold", 1.5)]
    [InlineData("bnn_plus_weight", "per_channel", true)]
    [InlineData("xnor_weight", "per_channel", "yes")]
    public void Create_BadValue_ThrowsConfigError(string name, string option, object value)
    {
        var e = Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create(new QuantizerSpec(name, new Dictionary<string, object> { [option] = value })));
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownName_ListsKnownOnes()
    {
        var e = Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create("dorefa"));
        Assert.Contains("dorefa_weight", e.Message, StringComparison.Ordinal);
    }
}
