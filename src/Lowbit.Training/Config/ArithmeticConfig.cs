using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Nn.Arithmetic;
using Lowbit.Quantization.Arithmetic;

namespace Lowbit.Training.Config;

/// <summary>
/// The config's optional <c>"arithmetic"</c> block: number formats for training arithmetic (docs/ARITHMETIC.md).
/// </summary>
/// <remarks>
/// <code>
/// "arithmetic": {
///   "propagation": { "type": "dynamic_fixed_point", "bits": 10, "integer_bits": 5, "max_overflow_rate": 0.0001, "window": 100 },
///   "update":      { "type": "dynamic_fixed_point", "bits": 12, "integer_bits": 5 },
///   "overrides":   { "dE/dW": "float32" },
///   "groups": "per_layer", "loss_scale": 1, "range_init_epochs": 2
/// }
/// </code>
/// A format is a preset name (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>) or an object whose <c>type</c> is
/// <c>float</c> (<c>exponent_bits</c>, <c>mantissa_bits</c>), <c>fixed_point</c> (<c>bits</c> with the sign,
/// <c>integer_bits</c>, <c>rounding</c>: nearest or stochastic) or <c>dynamic_fixed_point</c> (the same, with
/// <c>integer_bits</c> the starting radix point, plus <c>max_overflow_rate</c> and <c>window</c> in steps).
/// <c>update</c> defaults to <c>propagation</c>; <c>overrides</c> keys are z, y, W, b, dE/dz, dE/dy, dE/dW, dE/db,
/// vW, vb.
/// </remarks>
internal static class ArithmeticConfig
{
    private static readonly string[] s_types = ["float", "fixed_point", "dynamic_fixed_point"];
    private static readonly string[] s_rounding = ["nearest", "stochastic"];

    /// <summary>Parses the block.</summary>
    /// <exception cref="ConfigException">An unknown field, type or quantity, or a value out of range.</exception>
    public static ArithmeticOptions Parse(JsonFields block)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (!block.Has("propagation")) throw block.Error("propagation", "is required: the format of the forward and backward passes (e.g. \"float16\").");
        var propagation = Format(block, "propagation");
        var update = block.Has("update") ? Format(block, "update") : NullFormat(block, "update");
        var overrides = new Dictionary<Quantity, NumberFormat>();
        if (block.Has("overrides"))
        {
            var o = block.Object("overrides");
            if (block.Raw("overrides") is not JsonObject obj) throw block.Error("overrides", "must be an object mapping quantities to formats.");
            foreach (var (key, _) in obj)
            {
                Quantity q;
                try
                {
                    q = QuantityNames.Parse(key.Length <= 40 ? key : throw new ArgumentException($"unknown quantity '{ErrorText.Shown(key)}'."));
                }
                catch (ArgumentException e)
                {
                    throw new ConfigException($"{block.Source}: field '{o.Field(key)}': {ErrorText.Bare(e)}");
                }
                overrides[q] = Format(o, key);
            }
        }
        else
        {
            block.Raw("overrides");
        }
        var groups = block.String("groups", "per_layer", ["per_layer", "per_model"]) == "per_model" ? GroupScope.PerModel : GroupScope.PerLayer;
        double lossScale = block.Double("loss_scale", 1, 1e-30, 1e30);
        int rangeInit = block.Int("range_init_epochs", 0, 0, 1000);
        block.EnsureAllRead();
        var options = new ArithmeticOptions(propagation, update, overrides, groups, lossScale, rangeInit);
        if (rangeInit > 0 && !options.HasDynamicFormats)
            throw block.Error("range_init_epochs", "only applies to dynamic_fixed_point formats; none is used.");
        return options;
    }

    private static NumberFormat? NullFormat(JsonFields f, string key)
    {
        f.Raw(key);
        return null;
    }

    /// <summary>Reads a format field: a preset name or an object with "type".</summary>
    private static NumberFormat Format(JsonFields parent, string key)
    {
        var node = parent.Raw(key);
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            try
            {
                string preset = v.GetValue<string>();
                if (preset.Length > 40 || preset.Any(char.IsControl))
                    throw new ConfigException($"{parent.Source}: field '{parent.Field(key)}' is \"{ErrorText.Shown(preset)}\"; presets are short names such as float16.");
                return NumberFormat.Preset(preset);
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"{parent.Source}: field '{parent.Field(key)}': {ErrorText.Bare(e)}");
            }
        }
        if (node is not JsonObject) throw parent.Error(key, $"must be a format name (float32, float16, bfloat16) or an object with \"type\" ({string.Join(", ", s_types)}); got {JsonFields.Kind(node)}.");
        var f = parent.Object(key);
        string type = f.String("type", "", s_types);
        if (type.Length == 0) throw f.Error("type", $"is required (one of: {string.Join(", ", s_types)}).");
        NumberFormat format;
        if (type == "float")
        {
            format = new FloatFormat(f.Int("exponent_bits", 8, 2, 8), f.Int("mantissa_bits", 23, 1, 23));
        }
        else
        {
            int bits = f.Int("bits", 0, 2, 25);
            if (bits == 0) throw f.Error("bits", "is required: total bits including the sign, in [2, 25].");
            if (!f.Has("integer_bits")) throw f.Error("integer_bits", "is required: integer bits of the radix point (the paper starts at 5), in [-100, 100].");
            int integerBits = f.Int("integer_bits", 0, -100, 100);
            var rounding = f.String("rounding", "nearest", s_rounding) == "stochastic" ? RoundingMode.Stochastic : RoundingMode.Nearest;
            var range = type == "dynamic_fixed_point" ? new DynamicRangeOptions(f.Double("max_overflow_rate", 1e-4, 0, 0.999999), f.Int("window", 100, 1, 1 << 30)) : null;
            format = new FixedPointFormat(bits, integerBits, rounding, range);
        }
        f.EnsureAllRead();
        return format;
    }
}
