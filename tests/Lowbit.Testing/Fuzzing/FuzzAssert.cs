namespace Lowbit.Testing.Fuzzing;

/// <summary>What a clean rejection looks like: the expected exception type and a short one-line message naming the source.</summary>
public static class FuzzAssert
{
    /// <summary>Longest message a rejection may print (the command line shows it as one line).</summary>
    public const int MaxMessageLength = 1000;

    /// <summary>Throws a <see cref="FuzzFinding"/> unless <paramref name="e"/>'s message is one short printable line naming <paramref name="source"/>.</summary>
    public static void CleanMessage(Exception e, string source)
    {
        ArgumentNullException.ThrowIfNull(e);
        string m = e.Message;
        if (m.Length == 0 || m.Length > MaxMessageLength) throw new FuzzFinding($"{e.GetType().Name} message of {m.Length} characters: {Cut(m)}", e);
        if (m.Any(char.IsControl)) throw new FuzzFinding($"{e.GetType().Name} message with control characters (a second line or binary): {Cut(m)}", e);
        if (!m.Contains(source, StringComparison.Ordinal)) throw new FuzzFinding($"{e.GetType().Name} message does not name '{source}': {Cut(m)}", e);
        if (m.Contains("(Parameter '", StringComparison.Ordinal) || m.Contains("Actual value was", StringComparison.Ordinal))
            throw new FuzzFinding($"{e.GetType().Name} message carries .NET's argument suffix: {Cut(m)}", e);
    }

    private static string Cut(string m) => m.Length <= 300 ? m.ReplaceLineEndings("\\n") : m[..300].ReplaceLineEndings("\\n") + "...";
}
