namespace Lowbit.Quantization;

/// <summary>Builds <see cref="Quantizer.Options"/> dictionaries.</summary>
internal static class QuantizerOptions
{
    /// <summary>The given options, leaving out those whose value is null (options without a default, such as an unset initial value).</summary>
    public static IReadOnlyDictionary<string, object> Of(params (string Key, object? Value)[] options)
    {
        var d = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in options)
            if (value is not null) d.Add(key, value);
        return d;
    }
}
