namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Registry factories of the mixed-precision quantizers (the registry owner adds them to <see cref="QuantizerRegistry"/>).
/// Config example: <c>"weight_quantizer": {"type": "hbb", "mix": "1:0.7,2:0.2,3:0.1"}</c>.
/// </summary>
public static class MixedPrecisionQuantizers
{
    /// <summary>Name and factory of each quantizer: residual, hbb, balanced, uniform_minmax, bitpruning, bitpruning_fixed.</summary>
    public static IEnumerable<(string Name, Func<QuantizerSpec, Quantizer> Factory)> Factories()
    {
        yield return ("residual", CreateResidual);
        yield return ("hbb", CreateHbb);
        yield return ("balanced", s => new BalancedQuantizer(s.GetInt("bits", 2), s.GetString("partition", "median")));
        yield return ("uniform_minmax", s => new UniformMinMaxQuantizer(s.GetInt("bits", 2)));
        yield return ("bitpruning", s => new BitPruningQuantizer(s.GetDouble("bits", 8), s.GetBool("per_channel", false), s.GetInt("channels", 0), s.GetInt("max_bits", 16), s.GetDouble("lr_scale", 1), s.GetString("bitlength_update", "optimizer")));
        yield return ("bitpruning_fixed", s => new FixedBitQuantizer([s.GetInt("bits", 4)], s.GetBool("per_channel", false)));
    }

    private static ResidualBinarizer CreateResidual(QuantizerSpec s)
    {
        string means = s.GetString("means", "per_sample");
        if (means != "running" && s.Options.ContainsKey("momentum"))
            throw new QuantizerConfigException($"{s.Where}: option 'momentum' of quantizer 'residual' needs \"means\": \"running\" (per-sample means keep no running state).");
        if (means != "running" && s.Options.ContainsKey("train_means"))
            throw new QuantizerConfigException($"{s.Where}: option 'train_means' of quantizer 'residual' needs \"means\": \"running\".");
        return new ResidualBinarizer(s.GetInt("bits", 2), s.GetString("role", "weight"), s.GetDouble("clip", 1.0), means, s.GetDouble("momentum", 0.1), s.GetString("train_means", "per_sample"));
    }

    /// <summary>Elements of the tensor a weight quantizer is built for (from <see cref="QuantizerSpec.TensorShape"/>), 0 when unknown.</summary>
    private static int DefaultElements(QuantizerSpec s) =>
        s.TensorShape is { } shape ? checked(shape.Aggregate(1, (p, d) => p * d)) : 0;

    private static HeterogeneousBinarizer CreateHbb(QuantizerSpec s)
    {
        string mixText = s.GetString("mix", "");
        double average = s.GetDouble("average_bits", double.NaN);
        bool hasMix = s.Options.ContainsKey("mix"), hasAverage = s.Options.ContainsKey("average_bits");
        if (hasMix == hasAverage)
            throw new QuantizerConfigException($"{s.Where}: quantizer 'hbb' needs exactly one of 'mix' (e.g. \"1:0.7,2:0.2,3:0.1\") or 'average_bits' (e.g. 1.4).");
        var mix = hasMix ? BitMix.Parse(mixText) : BitMix.FromAverageBits(average);
        var selection = s.GetString("selection", "middle_out") switch
        {
            "middle_out" => BitSelection.MiddleOut,
            "random" => BitSelection.Random,
            "magnitude" => BitSelection.Magnitude,
            var other => throw new QuantizerConfigException($"{s.Where}: option 'selection' of quantizer 'hbb' is \"{other}\"; allowed: middle_out, random, magnitude."),
        };
        bool frozen = s.GetString("recompute", "every_step") switch
        {
            "every_step" => false,
            "frozen" => true,
            var other => throw new QuantizerConfigException($"{s.Where}: option 'recompute' of quantizer 'hbb' is \"{other}\"; allowed: every_step, frozen."),
        };
        return new HeterogeneousBinarizer(mix, selection, frozen, s.GetString("role", "weight"), s.GetInt("elements", DefaultElements(s)), s.GetDouble("clip", 1.0));
    }
}
