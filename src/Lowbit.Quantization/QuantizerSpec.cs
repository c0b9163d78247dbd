using System.Globalization;

namespace Lowbit.Quantization;

/// <summary>
/// A quantizer named in a config: its type and options (numbers, strings, booleans). Each factory reads the
/// options it knows; any option left unread is an error naming the quantizer and the allowed options.
/// </summary>
public sealed class QuantizerSpec
{
    private readonly Dictionary<string, object> _options;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Creates a spec.</summary>
    /// <param name="type">Registry name.</param>
    /// <param name="options">Option values: double, string or bool.</param>
    /// <param name="where">Where the spec came from, for error messages (e.g. "config layers[2].weight_quantizer").</param>
    public QuantizerSpec(string type, IReadOnlyDictionary<string, object>? options = null, string where = "quantizer")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        Type = type;
        Where = where;
        _options = options is null ? new(StringComparer.Ordinal) : new Dictionary<string, object>(options, StringComparer.Ordinal);
    }

    /// <summary>Registry name.</summary>
    public string Type { get; }

    /// <summary>Origin for error messages.</summary>
    public string Where { get; }

    /// <summary>
    /// Shape of the tensor the quantizer will be applied to when the caller knows it at construction (a layer's weight
    /// shape), else null. Quantizers that keep per-element state size it from this when no option says otherwise
    /// (hbb's bit map over all weights, so that it is checkpointed).
    /// </summary>
    public IReadOnlyList<int>? TensorShape { get; init; }

    /// <summary>All options (read-only view).</summary>
    public IReadOnlyDictionary<string, object> Options => _options;

    /// <summary>Reads a number option, or <paramref name="fallback"/> when absent.</summary>
    public double GetDouble(string key, double fallback)
    {
        _read.Add(key);
        if (!_options.TryGetValue(key, out var v)) return fallback;
        return v switch
        {
            double d => d,
            int i => i,
            long l => l,
            float f => f,
            _ => throw new QuantizerConfigException($"{Where}: option '{key}' of quantizer '{Type}' must be a number, got {Describe(v)}."),
        };
    }

    /// <summary>Reads an integer option, or <paramref name="fallback"/> when absent.</summary>
    public int GetInt(string key, int fallback)
    {
        double d = GetDouble(key, fallback);
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue)
            throw new QuantizerConfigException($"{Where}: option '{key}' of quantizer '{Type}' must be a whole number, got {d.ToString(CultureInfo.InvariantCulture)}.");
        return (int)d;
    }

    /// <summary>Reads a string option, or <paramref name="fallback"/> when absent.</summary>
    public string GetString(string key, string fallback)
    {
        _read.Add(key);
        if (!_options.TryGetValue(key, out var v)) return fallback;
        var text = v as string ?? throw new QuantizerConfigException($"{Where}: option '{key}' of quantizer '{Type}' must be a string, got {Describe(v)}.");
        // String options are names or short lists ("middle_out", "1:0.7,2:0.3"): anything else is refused here, so no
        // later message quotes a page of text.
        if (text.Length > MaxStringOption || text.Any(char.IsControl))
            throw new QuantizerConfigException($"{Where}: option '{key}' of quantizer '{Type}' is {Describe(v)}; expected a name of at most {MaxStringOption} printable characters.");
        return text;
    }

    /// <summary>Longest string option value.</summary>
    public const int MaxStringOption = 200;

    /// <summary>Reads a boolean option, or <paramref name="fallback"/> when absent.</summary>
    public bool GetBool(string key, bool fallback)
    {
        _read.Add(key);
        if (!_options.TryGetValue(key, out var v)) return fallback;
        return v is bool b ? b : throw new QuantizerConfigException($"{Where}: option '{key}' of quantizer '{Type}' must be true or false, got {Describe(v)}.");
    }

    /// <summary>Throws if an option was given that no reader asked for.</summary>
    public void EnsureAllRead()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            string allowed = _read.Count == 0 ? "none" : string.Join(", ", _read.OrderBy(k => k, StringComparer.Ordinal));
            throw new QuantizerConfigException($"{Where}: unknown option '{Shown(unknown[0])}' for quantizer '{Type}'; allowed options: {allowed}.");
        }
    }

    /// <summary>A user's text as quoted in messages: at most 60 characters, control characters as '?'.</summary>
    internal static string Shown(string text)
    {
        var shown = new string(text.Take(60).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length <= 60 ? shown : shown + "...";
    }

    private static string Describe(object v) => v switch
    {
        string s => $"\"{Shown(s)}\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "null",
    };
}

/// <summary>A quantizer configuration error (unknown type or option, wrong value).</summary>
public sealed class QuantizerConfigException(string message) : Exception(message);
