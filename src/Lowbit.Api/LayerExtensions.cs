using Lowbit.Nn.Layers;

namespace Lowbit.Api;

/// <summary>Fluent settings for layers built in C#.</summary>
public static class LayerExtensions
{
    /// <summary>
    /// Clips the layer's latent weights to [−<paramref name="clip"/>, <paramref name="clip"/>] after every optimizer step
    /// (BinaryNet's [−1, 1]; a config's <c>weight_clip</c>). Returns the layer.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clip"/> is not positive and finite.</exception>
    public static T ClipWeights<T>(this T layer, double clip)
        where T : QuantizedLayer
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!(clip > 0) || double.IsInfinity(clip)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "The clipping range ±clip needs a positive, finite clip.");
        layer.Weight.Clip = (-clip, clip);
        return layer;
    }
}
