using System.Diagnostics;
using System.Globalization;

namespace Lowbit.Testing.Fuzzing;

/// <summary>
/// Runs a seeded fuzz loop: case i draws from its own generator (a function of the seed and i, so any case replays
/// alone), a watchdog fails the run when one case takes too long (a hang), and the first finding fails the test with
/// the case number and the replay command.
/// </summary>
/// <remarks>
/// Case counts: the test's default (CI), or LOWBIT_FUZZ_CASES (e.g. 1000000 on demand); LOWBIT_FUZZ_CASE=N runs only
/// case N. The seed is fixed per test, so every run with the same count checks the same inputs.
/// </remarks>
public static class FuzzRunner
{
    /// <summary>Environment variable overriding the number of cases of every fuzz test.</summary>
    public const string CasesVariable = "LOWBIT_FUZZ_CASES";

    /// <summary>Environment variable selecting a single case to replay.</summary>
    public const string CaseVariable = "LOWBIT_FUZZ_CASE";

    /// <summary>The number of cases to run: <paramref name="ciDefault"/> unless LOWBIT_FUZZ_CASES says otherwise.</summary>
    public static int Cases(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(CasesVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : ciDefault;

    /// <summary>The generator of case <paramref name="index"/> under <paramref name="seed"/>.</summary>
    public static Random CaseRandom(int seed, int index)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)index * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 31)) * 0x94D049BB133111EBUL;
        return new Random((int)((z ^ (z >> 29)) & 0x7FFFFFFF));
    }

    /// <summary>
    /// When LOWBIT_FUZZ_DUMP names a folder, writes a case's input there as NAME-INDEX.bin (to replay a finding outside
    /// the test, e.g. with the command line); otherwise does nothing.
    /// </summary>
    public static void Dump(string name, int index, ReadOnlySpan<byte> input)
    {
        string? folder = Environment.GetEnvironmentVariable("LOWBIT_FUZZ_DUMP");
        if (string.IsNullOrEmpty(folder)) return;
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, $"{name}-{index}.bin"), input.ToArray());
    }

    /// <summary>
    /// Runs <paramref name="cases"/> cases of <paramref name="oneCase"/>; any exception it lets escape is a finding.
    /// Returns how many cases ran.
    /// </summary>
    /// <param name="name">Fuzz target, for messages.</param>
    /// <param name="seed">Fixed seed of the run.</param>
    /// <param name="cases">Number of cases.</param>
    /// <param name="oneCase">The case: (index, generator).</param>
    /// <param name="hangSeconds">A case running longer than this is a hang.</param>
    public static int Run(string name, int seed, int cases, Action<int, Random> oneCase, double hangSeconds = 20)
    {
        ArgumentNullException.ThrowIfNull(oneCase);
        int first = 0, last = cases;
        if (int.TryParse(Environment.GetEnvironmentVariable(CaseVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int only))
            (first, last) = (only, only + 1);
        int current = -1;
        long caseStart = 0;
        Exception? finding = null;
        var worker = new Thread(() =>
        {
            for (int i = first; i < last && finding is null; i++)
            {
                Volatile.Write(ref caseStart, Stopwatch.GetTimestamp());
                Volatile.Write(ref current, i);
                try
                {
                    oneCase(i, CaseRandom(seed, i));
                }
                catch (Exception e)
                {
                    finding = new FuzzFinding($"fuzz {name}: case {i} (replay: {CaseVariable}={i}): {e.GetType().Name}: {e.Message}", e);
                }
            }
        }, 64 << 20) { IsBackground = true, Name = "fuzz " + name };
        worker.Start();
        while (!worker.Join(100))
        {
            double seconds = Stopwatch.GetElapsedTime(Volatile.Read(ref caseStart)).TotalSeconds;
            if (Volatile.Read(ref current) >= 0 && seconds > hangSeconds)
                throw new FuzzFinding($"fuzz {name}: case {Volatile.Read(ref current)} (replay: {CaseVariable}={Volatile.Read(ref current)}) has run for {seconds:F0} s: a hang.", null);
        }
        if (finding is not null) throw finding;
        return last - first;
    }
}

/// <summary>A fuzz case found a crash, a hang, a malformed message or accepted nonsense.</summary>
public sealed class FuzzFinding(string message, Exception? inner) : Exception(message, inner);
