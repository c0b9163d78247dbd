using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Lowbit.Cli;

/// <summary>Options shared by several commands, with parsers that turn any bad value into a one-line parse error.</summary>
internal static class CliOptions
{
    /// <summary>Most compute threads any command accepts (as the config's "threads" field).</summary>
    public const int MaxThreads = 256;

    /// <summary>
    /// An integer option whose value must lie in [<paramref name="min"/>, <paramref name="max"/>]; text that is not a
    /// whole number in range ("abc", "1.5", "99999999999") is a parse error naming the option and the range.
    /// </summary>
    public static Option<int> WholeNumber(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = $"{description} [{min}..{max}; default {defaultValue}]", DefaultValueFactory = _ => defaultValue };
        option.CustomParser = result => Parse(result, name, min, max) ?? defaultValue;
        return option;
    }

    /// <summary>As <see cref="WholeNumber"/> but without a default: null when the option is absent.</summary>
    public static Option<int?> OptionalWholeNumber(string name, string description, int min, int max)
    {
        var option = new Option<int?>(name) { Description = $"{description} [{min}..{max}]" };
        option.CustomParser = result => Parse(result, name, min, max);
        return option;
    }

    private static int? Parse(ArgumentResult result, string name, int min, int max)
    {
        if (result.Tokens.Count == 0)
        {
            result.AddError($"{name} needs a value: a whole number in [{min}, {max}].");
            return null;
        }
        string text = result.Tokens[^1].Value;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            result.AddError($"{name} must be a whole number in [{min}, {max}], got '{Shown(text)}'.");
            return null;
        }
        if (value < min || value > max)
        {
            result.AddError($"{name} is {value} but must be in [{min}, {max}].");
            return null;
        }
        return (int)value;
    }

    private static string Shown(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
