using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Inference.Export;

/// <summary>What the packed format does with a quantized tensor: the families the exporter matches kinds by.</summary>
internal enum CodeFamily
{
    /// <summary>No quantizer: float32 values (not packable inside the network).</summary>
    Real,

    /// <summary>±1 values (ste_sign).</summary>
    Signs,

    /// <summary>Unsigned k-bit codes with a float level each (dorefa_weight, dorefa_act).</summary>
    Levels,

    /// <summary>Residual ±1 planes (hbb and residual weights, residual activations).</summary>
    Residual,

    /// <summary>The network's float32 outputs (the head of the last layer).</summary>
    Logits,

    /// <summary>A quantizer the format has no encoding for.</summary>
    Unsupported,
}

/// <summary>
/// A layer's weight or input quantizer as the packed format sees it: family, bits and the quantizer's name. The only
/// place in the exporter that looks at quantizer types; everything else matches kinds by <see cref="CodeFamily"/>.
/// </summary>
/// <param name="Family">The family.</param>
/// <param name="Bits">Bits per value (k for codes, planes for residual, 1 for signs, 32 for float).</param>
/// <param name="Name">The quantizer's name for messages ("no input quantizer" / "float weights" without one).</param>
/// <param name="Quantizer">The quantizer, or null.</param>
internal readonly record struct QuantizerCode(CodeFamily Family, int Bits, string Name, Quantizer? Quantizer)
{
    /// <summary>The head of a last layer.</summary>
    public static QuantizerCode Logits { get; } = new(CodeFamily.Logits, 32, "logits", null);

    /// <summary>The head of a layer whose float32 output the next block takes as it is (a residual block quantizes it itself).</summary>
    public static QuantizerCode Reals { get; } = new(CodeFamily.Real, 32, "real values", null);

    /// <summary>The code of <paramref name="layer"/>'s weights.</summary>
    public static QuantizerCode OfWeights(QuantizedLayer layer) => layer.WeightQuantizer?.Quantizer switch
    {
        null => new(CodeFamily.Real, 32, "float weights", null),
        SteSign q => new(CodeFamily.Signs, 1, q.Name, q),
        DoReFaWeight q => new(CodeFamily.Levels, q.Bits, q.Name, q),
        HeterogeneousBinarizer { Role: "weight" } q => new(CodeFamily.Residual, q.MaxPlanes, q.Name, q),
        ResidualBinarizer { Role: "weight" } q => new(CodeFamily.Residual, q.Bits, q.Name, q),
        var q => new(CodeFamily.Unsupported, 0, q.Name, q),
    };

    /// <summary>The code of <paramref name="layer"/>'s inputs (the head of the layer before it).</summary>
    public static QuantizerCode OfInputs(QuantizedLayer layer) => layer.InputQuantizer?.Quantizer switch
    {
        null => new(CodeFamily.Real, 32, "no input quantizer", null),
        SteSign q => new(CodeFamily.Signs, 1, q.Name, q),
        DoReFaActivation q => new(CodeFamily.Levels, q.Bits, q.Name, q),
        ResidualBinarizer { Role: "activation" } q => new(CodeFamily.Residual, q.Bits, q.Name, q),
        var q => new(CodeFamily.Unsupported, 0, q.Name, q),
    };

    /// <summary>The quantizers that produce <paramref name="family"/> inputs, for messages.</summary>
    public static string InputQuantizersOf(CodeFamily family) => family switch
    {
        CodeFamily.Signs => "ste_sign",
        CodeFamily.Levels => "dorefa_act",
        CodeFamily.Residual => "residual (role activation, \"means\": \"running\")",
        CodeFamily.Real => "nothing (real values, as the input of a residual block or a real-valued layer)",
        _ => family.ToString(),
    };

    /// <summary>The packable weight quantizers, for messages.</summary>
    public const string PackableWeights = "ste_sign (binary), dorefa_weight with 2..8 bits (k-bit codes), hbb or residual with role weight (residual planes)";
}
