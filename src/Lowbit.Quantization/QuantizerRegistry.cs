namespace Lowbit.Quantization;

/// <summary>
/// Creates quantizers by name from a <see cref="QuantizerSpec"/>. Every quantizer of the library registers here;
/// an unknown name is an error listing the known ones.
/// </summary>
public static class QuantizerRegistry
{
    private static readonly Dictionary<string, Func<QuantizerSpec, Quantizer>> s_factories = new(StringComparer.Ordinal)
    {
        ["ste_sign"] = s => new SteSign(s.GetDouble("clip", 1.0)),
    };

    /// <summary>Names of all registered quantizers.</summary>
    public static IReadOnlyCollection<string> Names => s_factories.Keys;

    /// <summary>Creates the quantizer a spec names; throws <see cref="QuantizerConfigException"/> on a bad spec.</summary>
    public static Quantizer Create(QuantizerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!s_factories.TryGetValue(spec.Type, out var factory))
            throw new QuantizerConfigException($"{spec.Where}: unknown quantizer '{spec.Type}'; known quantizers: {string.Join(", ", s_factories.Keys.Order(StringComparer.Ordinal))}.");
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

    /// <summary>Creates a quantizer with default options.</summary>
    public static Quantizer Create(string name) => Create(new QuantizerSpec(name));
}
