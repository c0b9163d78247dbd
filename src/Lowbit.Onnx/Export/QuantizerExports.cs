using Lowbit.Onnx.Export.Quantizers;
using Lowbit.Quantization;
using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Onnx.Export;

/// <summary>
/// The ONNX form of every quantizer type that can run on activations, one entry per type. Weight quantizers need no
/// entry: weights are folded (<see cref="Layers.WeightExport"/>). A quantizer without an entry on an activation path is
/// a one-line error naming the layer, the quantizer and the reason.
/// </summary>
internal static class QuantizerExports
{
    private static readonly (Type Type, string Name, QuantizerExport Export)[] s_exports =
    [
        (typeof(SteSign), "ste_sign", SignExport.Instance),
        (typeof(ApproxSign), "approx_sign", SignExport.Instance),
        (typeof(SwishSign), "swish_sign", SignExport.Instance),
        (typeof(BinaryConnectDeterministic), "bc_det", SignExport.Instance),
        (typeof(XnorActivation), "xnor_act", new XnorActivationExport()),
        (typeof(DoReFaGradient), "dorefa_grad", IdentityExport.Instance),
        (typeof(PowerOfTwoBackprop), "fm_pow2_input", IdentityExport.Instance),
        (typeof(DoReFaActivation), "dorefa_act", new DoReFaActivationExport()),
        (typeof(Pact), "pact", new PactExport()),
        (typeof(LinearQuant), "linear_quant", new LinearQuantExport()),
        (typeof(LsqQuantizer), "lsq", new LsqExport()),
        (typeof(ResidualBinarizer), "residual", new ResidualActivationExport()),
    ];

    /// <summary>Why some quantizers cannot be exported on activations, by type.</summary>
    private static readonly Dictionary<Type, string> s_reasons = new()
    {
        [typeof(HeterogeneousBinarizer)] = "its bit map is selected per sample by Middle-Out (a data-dependent sort), which standard ONNX operators do not express",
        [typeof(BalancedQuantizer)] = "its levels come from a median partition of the whole tensor (a sort over the batch)",
        [typeof(BinaryConnectStochastic)] = "it samples",
    };

    /// <summary>The export of <paramref name="quantizer"/>'s type.</summary>
    /// <exception cref="NotSupportedException">The type has no ONNX form on activations.</exception>
    public static QuantizerExport Find(Quantizer quantizer, string path)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        if (quantizer.IdentityAtEvaluation) return IdentityExport.Instance; // e.g. bc_stoch / fm_binary with eval "real"
        foreach (var entry in s_exports)
            if (entry.Type == quantizer.GetType()) return entry.Export;
        string why = s_reasons.TryGetValue(quantizer.GetType(), out var reason) ? reason : "it has no ONNX form yet";
        throw new NotSupportedException($"'{LayerExports.Label(path)}': quantizer '{quantizer.Name}' on activations cannot be exported to ONNX: {why}; "
            + $"exportable activation quantizers: {string.Join(", ", s_exports.Select(e => e.Name))} (any quantizer works on weights).");
    }
}
