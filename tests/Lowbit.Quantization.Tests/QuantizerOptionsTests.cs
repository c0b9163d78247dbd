namespace Lowbit.Quantization.Tests;

/// <summary>
/// Every registered quantizer describes its options (<see cref="Quantizer.Options"/>) so that the registry recreates it:
/// created from a spec, described, created again, it describes the same options and quantizes the same way.
/// </summary>
public class QuantizerOptionsTests
{
    /// <summary>A spec per registered quantizer with options away from the defaults (a new quantizer without one fails).</summary>
    private static readonly Dictionary<string, Dictionary<string, object>> s_specs = new()
    {
        ["ste_sign"] = new() { ["clip"] = 1.5 },
        ["approx_sign"] = new(),
        ["swish_sign"] = new() { ["beta"] = 3.0 },
        ["bc_det"] = new() { ["h"] = 0.5 },
        ["bc_stoch"] = new() { ["h"] = 2.0, ["eval"] = "sign" },
        ["bnn_plus_weight"] = new() { ["beta"] = 2.0, ["per_channel"] = true, ["channels"] = 4.0, ["alpha"] = 0.3, ["regularizer"] = "l1", ["lambda"] = 1e-4 },
        ["xnor_weight"] = new() { ["per_channel"] = false },
        ["xnor_act"] = new() { ["scale"] = false, ["clip"] = 2.0, ["window"] = "position" },
        ["dorefa_weight"] = new() { ["bits"] = 3.0, ["per_channel"] = true },
        ["dorefa_act"] = new() { ["bits"] = 4.0 },
        ["dorefa_grad"] = new() { ["bits"] = 8.0 },
        ["linear_quant"] = new() { ["bits"] = 5.0, ["signed"] = false, ["range"] = 2.0, ["range_mode"] = "max", ["per_channel"] = false },
        ["log_quant"] = new() { ["bits"] = 3.0, ["max_exponent"] = 1.0, ["signed"] = false },
        ["fm_binary"] = new() { ["w0"] = 0.25, ["eval"] = "sign" },
        ["fm_ternary"] = new() { ["eval"] = "real" },
        ["fm_pow2_input"] = new() { ["min_exponent"] = -6.0, ["max_exponent"] = 1.0 },
        ["ternary"] = new() { ["threshold"] = 0.5, ["per_channel"] = true },
        ["pact"] = new() { ["bits"] = 3.0, ["alpha"] = 4.0 },
        ["lsq"] = new() { ["bits"] = 3.0, ["signed"] = false, ["role"] = "activation", ["step"] = 0.2 },
        ["residual"] = new() { ["bits"] = 3.0, ["role"] = "activation", ["means"] = "running", ["momentum"] = 0.2, ["train_means"] = "running" },
        ["hbb"] = new() { ["mix"] = "1:0.6,2:0.4", ["selection"] = "magnitude", ["elements"] = 12.0 },
        ["balanced"] = new() { ["bits"] = 3.0, ["partition"] = "mean" },
        ["uniform_minmax"] = new() { ["bits"] = 3.0 },
        ["bitpruning"] = new() { ["bits"] = 5.5, ["per_channel"] = true, ["channels"] = 4.0, ["max_bits"] = 12.0, ["lr_scale"] = 2.0, ["bitlength_update"] = "sgd" },
        ["bitpruning_fixed"] = new() { ["bits"] = 3.0 },
    };

    [Fact]
    public void Specs_CoverEveryRegisteredQuantizer()
    {
        Assert.Equal(QuantizerRegistry.Names.Order(StringComparer.Ordinal), s_specs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryQuantizer_DescribesOptionsTheRegistryRecreatesItFrom()
    {
        foreach (var (name, options) in s_specs)
        {
            var q = QuantizerRegistry.Create(new QuantizerSpec(name, options, name) { TensorShape = [4, 3] });
            Assert.Equal(name, q.Name);
            var described = q.Options ?? throw new Xunit.Sdk.XunitException($"{name}: no options");
            foreach (var (key, value) in options)
                Assert.True(described.TryGetValue(key, out var d) && Convert.ToDouble(d is string or bool ? 0 : d) == Convert.ToDouble(value is string or bool ? 0 : value) && Equals(d is string or bool ? d : null, value is string or bool ? value : null),
                    $"{name}: option '{key}' was {value} but is described as {(described.TryGetValue(key, out var x) ? x : "(missing)")}");
            var again = QuantizerRegistry.Create(new QuantizerSpec(name, described, name + " (described)"));
            Assert.Equal(Canonical(described), Canonical(again.Options!));
            Assert.Equal(q.BitWidth, again.BitWidth);
            Assert.Equal(q.LearnableTensors.Select(t => (t.Name, string.Join("x", t.Value.Shape))), again.LearnableTensors.Select(t => (t.Name, string.Join("x", t.Value.Shape))));
            Assert.Equal(q.StateTensors.Select(t => (t.Name, string.Join("x", t.Value.Shape))), again.StateTensors.Select(t => (t.Name, string.Join("x", t.Value.Shape))));
        }
    }

    [Fact]
    public void Defaults_DescribeTheRegistryDefaults()
    {
        var q = new SteSign();
        Assert.Equal(1.0, (double)q.Options!["clip"]);
        Assert.Empty(new ApproxSign().Options!);
        // An option without a default (an unset initial value) is left out rather than written as null.
        Assert.False(new BnnPlusWeight().Options!.ContainsKey("alpha"));
        Assert.False(new LsqQuantizer().Options!.ContainsKey("step"));
        Assert.False(new FewMultiplicationsBinary().Options!.ContainsKey("w0"));
    }

    private static string Canonical(IReadOnlyDictionary<string, object> options) =>
        string.Join(";", options.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key}={Convert.ToString(o.Value is int i ? (double)i : o.Value, System.Globalization.CultureInfo.InvariantCulture)}"));
}
