using Lowbit.Quantization;

namespace Lowbit.Nn.Models;

/// <summary>
/// The quantizers a zoo network puts on the layers it quantizes (every dense and conv layer except those the network
/// keeps real, such as the first and last of a residual network).
/// </summary>
/// <param name="Weight">Creates a weight quantizer per layer, or null for real weights.</param>
/// <param name="Input">Creates an input quantizer per layer, or null for real inputs.</param>
/// <param name="WeightClip">Latent-weight clipping range ±clip, or null for none.</param>
/// <param name="PadValue">Value of padded pixels of quantized convolutions (1 keeps ±1 inputs binary; 0 = zero padding).</param>
public sealed record LayerPrecision(Func<Quantizer>? Weight, Func<Quantizer>? Input, double? WeightClip, double PadValue)
{
    /// <summary>Real weights and inputs.</summary>
    public static LayerPrecision Float { get; } = new(null, null, null, 0);

    /// <summary>BinaryNet: ste_sign weights (clipped to [−1, 1]) and ste_sign inputs; convolutions pad with +1.</summary>
    public static LayerPrecision Binary { get; } = new(() => new SteSign(), () => new SteSign(), 1.0, 1.0);

    /// <summary>DoReFa-Net: k-bit dorefa_weight weights and m-bit dorefa_act inputs; zero padding (0 is a DoReFa level).</summary>
    /// <param name="weightBits">Weight bits k.</param>
    /// <param name="activationBits">Activation bits m.</param>
    /// <returns>The precision.</returns>
    public static LayerPrecision DoReFa(int weightBits, int activationBits) =>
        new(() => new DoReFaWeight(weightBits), () => new DoReFaActivation(activationBits), null, 0);

    /// <summary>Applies <see cref="WeightClip"/> to a layer's latent weights.</summary>
    internal void Configure(Layers.QuantizedLayer layer)
    {
        if (WeightClip is { } c) layer.Weight.Clip = (-c, c);
    }
}
