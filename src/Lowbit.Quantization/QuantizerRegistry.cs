namespace Lowbit.Quantization;

/// <summary>
/// Creates quantizers by name from a <see cref="QuantizerSpec"/>. Every quantizer of the library registers here;
/// an unknown name is an error listing the known ones.
/// </summary>
public static class QuantizerRegistry
{
    private static readonly Dictionary<string, Func<QuantizerSpec, Quantizer>> s_factories = WithMixedPrecision(new(StringComparer.Ordinal)
    {
        ["ste_sign"] = s => new SteSign(s.GetDouble("clip", 1.0)),
        ["approx_sign"] = _ => new ApproxSign(),
        ["swish_sign"] = s => new SwishSign(s.GetDouble("beta", 5.0)),
        ["bc_det"] = s => new BinaryConnectDeterministic(s.GetDouble("h", 1.0)),
        ["bc_stoch"] = s => new BinaryConnectStochastic(s.GetDouble("h", 1.0), s.GetString("eval", "real")),
        ["bnn_plus_weight"] = s => new BnnPlusWeight(
            s.GetDouble("beta", 5.0), s.GetBool("per_channel", false), s.GetInt("channels", 0), OptionalDouble(s, "alpha"),
            s.GetString("regularizer", "l2"), s.GetDouble("lambda", 1e-5)),
        ["xnor_weight"] = s => new XnorWeight(s.GetBool("per_channel", true)),
        ["xnor_act"] = s => new XnorActivation(s.GetBool("scale", true), s.GetDouble("clip", 1.0), XnorWindow(s)),
        ["dorefa_weight"] = s => new DoReFaWeight(s.GetInt("bits", 1), s.GetBool("per_channel", false)),
        ["dorefa_act"] = s => new DoReFaActivation(s.GetInt("bits", 2)),
        ["dorefa_grad"] = s => new DoReFaGradient(s.GetInt("bits", 6)),
        ["linear_quant"] = s => new LinearQuant(
            s.GetInt("bits", 4), s.GetBool("signed", true), s.GetDouble("range", 1.0), s.GetString("range_mode", "fixed"), s.GetBool("per_channel", false)),
        ["log_quant"] = s => new LogQuant(s.GetInt("bits", 4), s.GetInt("max_exponent", 0), s.GetBool("signed", true)),
        ["fm_binary"] = s => new FewMultiplicationsBinary(OptionalDouble(s, "w0"), s.GetString("eval", "real")),
        ["fm_ternary"] = s => new FewMultiplicationsTernary(OptionalDouble(s, "w0"), s.GetString("eval", "real")),
        ["fm_pow2_input"] = s => new PowerOfTwoBackprop(s.GetInt("min_exponent", -8), s.GetInt("max_exponent", 0)),
        ["ternary"] = s => new TernaryThreshold(s.GetDouble("threshold", 0.7), s.GetBool("per_channel", false)),
        ["pact"] = s => new Pact(s.GetInt("bits", 4), s.GetDouble("alpha", 10.0)),
        ["lsq"] = s => new LsqQuantizer(
            s.GetInt("bits", 4), s.GetBool("signed", true), s.GetString("role", "weight"), s.GetBool("per_channel", false), s.GetInt("channels", 0),
            OptionalDouble(s, "step")),
    });

    /// <summary>Adds the mixed-precision family (residual, hbb, balanced, bitpruning, ...) from its own folder.</summary>
    private static Dictionary<string, Func<QuantizerSpec, Quantizer>> WithMixedPrecision(Dictionary<string, Func<QuantizerSpec, Quantizer>> factories)
    {
        foreach (var (name, factory) in MixedPrecision.MixedPrecisionQuantizers.Factories()) factories.Add(name, factory);
        return factories;
    }

    /// <summary>An option without a default: null when absent (reading marks it as known either way).</summary>
    private static double? OptionalDouble(QuantizerSpec spec, string key)
    {
        double value = spec.GetDouble(key, double.NaN);
        return spec.Options.ContainsKey(key) ? value : null;
    }

    /// <summary>Names of all registered quantizers.</summary>
    public static IReadOnlyCollection<string> Names => s_factories.Keys;

    /// <summary>Creates the quantizer a spec names; throws <see cref="QuantizerConfigException"/> on a bad spec.</summary>
    public static Quantizer Create(QuantizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!s_factories.TryGetValue(spec.Type, out var factory))
            throw new QuantizerConfigException($"{spec.Where}: unknown quantizer '{QuantizerSpec.Shown(spec.Type)}'; known quantizers: {string.Join(", ", s_factories.Keys.Order(StringComparer.Ordinal))}.");
        Quantizer q;
        try
        {
            q = factory(spec);
        }
        catch (ArgumentException e)
        {
            throw new QuantizerConfigException($"{spec.Where}: {e.Message}");
        }
        spec.EnsureAllRead();
        return q;
    }

    private static bool XnorWindow(QuantizerSpec s) => s.GetString("window", "box") switch
    {
        "box" => true,
        "position" => false,
        var w => throw new QuantizerConfigException($"{s.Where}: option 'window' of quantizer 'xnor_act' must be \"box\" or \"position\", got \"{w}\"."),
    };

    /// <summary>Creates a quantizer with default options.</summary>
    public static Quantizer Create(string name) => Create(new QuantizerSpec(name));
}
