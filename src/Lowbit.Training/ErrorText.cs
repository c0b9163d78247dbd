namespace Lowbit.Training;

/// <summary>Turns exception messages into the one-line form the command line prints.</summary>
public static partial class ErrorText
{
    [System.Text.RegularExpressions.GeneratedRegex(@" \(Parameter '[^'\r\n]*'\)")]
    private static partial System.Text.RegularExpressions.Regex ParameterSuffix();

    /// <summary>
    /// The message without .NET's additions: the " (Parameter 'x')" suffix of <see cref="ArgumentException"/> and the
    /// "Actual value was N." line of <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static string Bare(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return OneLine(e.Message);
    }

    /// <summary>
    /// One line: .NET's argument-exception additions (" (Parameter 'x')", "Actual value was N.") are removed, line
    /// breaks become "; ", other control characters become spaces, and anything past <paramref name="maxLength"/>
    /// characters is cut with "...".
    /// </summary>
    public static string OneLine(string message, int maxLength = 2000)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = ParameterSuffix().Replace(message, "");
        var lines = message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Actual value was ", StringComparison.Ordinal));
        var text = string.Join("; ", lines);
        var chars = text.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        text = new string(chars);
        return text.Length <= maxLength ? text : text[..(maxLength - 3)] + "...";
    }

    /// <summary>
    /// Text read from a file or a config as quoted in a message: control characters escaped (\u000A), at most
    /// <paramref name="maxLength"/> characters, so a damaged value can neither break the line nor flood it.
    /// </summary>
    public static string Shown(string text, int maxLength = 60)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new System.Text.StringBuilder();
        foreach (char c in text)
        {
            if (sb.Length >= maxLength)
            {
                sb.Append("...");
                break;
            }
            if (char.IsControl(c)) sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
