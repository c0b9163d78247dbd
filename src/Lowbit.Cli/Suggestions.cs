namespace Lowbit.Cli;

/// <summary>"Did you mean ...?" candidates for a mistyped command or option name.</summary>
/// <remarks>
/// Distance is the optimal-string-alignment edit distance (insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost 1), case-insensitive, with leading dashes ignored. A candidate qualifies when its
/// distance is at most max(1, ⌊length / 3⌋) of the typed word (so "trian" → "train" and "--confg" → "--config",
/// but "x" suggests nothing), or when the typed word of at least 3 characters is a prefix of it ("--epo" →
/// "--epochs"). Closest first, ties in the order the candidates were given.
/// </remarks>
internal static class Suggestions
{
    /// <summary>Most suggestions shown.</summary>
    public const int MaxShown = 3;

    /// <summary>The candidates close to <paramref name="typed"/>, closest first (at most <see cref="MaxShown"/>).</summary>
    public static IReadOnlyList<string> For(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        string word = Normalize(typed);
        if (word.Length == 0) return [];
        int limit = Math.Max(1, word.Length / 3);
        return candidates.Distinct(StringComparer.Ordinal)
            .Select((c, i) => (Name: c, Order: i, Distance: Score(word, Normalize(c), limit)))
            .Where(c => c.Distance <= limit)
            .OrderBy(c => c.Distance).ThenBy(c => c.Order)
            .Take(MaxShown)
            .Select(c => c.Name)
            .ToList();
    }

    /// <summary>"'a'", "'a' or 'b'", "'a', 'b' or 'c'".</summary>
    public static string Quoted(IReadOnlyList<string> names) => names.Count switch
    {
        0 => "",
        1 => $"'{names[0]}'",
        _ => string.Join(", ", names.Take(names.Count - 1).Select(n => $"'{n}'")) + $" or '{names[^1]}'",
    };

    /// <summary>
    /// Optimal-string-alignment distance between <paramref name="a"/> and <paramref name="b"/> (a transposition of two
    /// neighbours counts 1; no substring is edited twice).
    /// </summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        // d[i, j]: distance between the first i characters of a and the first j of b.
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int best = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) best = Math.Min(best, d[i - 2, j - 2] + 1);
                d[i, j] = best;
            }
        }

        return d[a.Length, b.Length];
    }

    /// <summary>The distance, or 0 when <paramref name="word"/> (3 or more characters) is a prefix of <paramref name="candidate"/>.</summary>
    private static int Score(string word, string candidate, int limit)
    {
        if (candidate.Length == 0) return int.MaxValue;
        if (word.Length >= 3 && candidate.StartsWith(word, StringComparison.Ordinal)) return 0;
        // Lengths that differ by more than the limit cannot be within it.
        return Math.Abs(candidate.Length - word.Length) > limit ? int.MaxValue : Distance(word, candidate);
    }

    private static string Normalize(string name) => name.TrimStart('-', '/').ToLowerInvariant();
}
