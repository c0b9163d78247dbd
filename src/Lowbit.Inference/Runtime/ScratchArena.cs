namespace Lowbit.Inference.Runtime;

/// <summary>
/// Scratch arrays shared by the steps of one pipeline, by element type and slot: a step asks for what it needs during
/// its Run; arrays only grow, so after the first chunk of a given size nothing is allocated. Steps run one at a time,
/// so a span is valid until the step returns; two buffers of one type in one step need two slots.
/// </summary>
internal sealed class ScratchArena
{
    private const int Slots = 4;
    private readonly byte[][] _bytes = Empty<byte>();
    private readonly int[][] _ints = Empty<int>();
    private readonly long[][] _longs = Empty<long>();
    private readonly ulong[][] _words = Empty<ulong>();
    private readonly float[][] _floats = Empty<float>();
    private readonly double[][] _doubles = Empty<double>();

    public Span<byte> Bytes(int slot, int count) => Get(_bytes, slot, count);

    public Span<int> Ints(int slot, int count) => Get(_ints, slot, count);

    public Span<long> Longs(int slot, int count) => Get(_longs, slot, count);

    public Span<ulong> Words(int slot, int count) => Get(_words, slot, count);

    public Span<float> Floats(int slot, int count) => Get(_floats, slot, count);

    public Span<double> Doubles(int slot, int count) => Get(_doubles, slot, count);

    /// <summary>The whole array behind a float slot (at least <paramref name="count"/> long), for APIs that take arrays.</summary>
    public float[] FloatArray(int slot, int count)
    {
        Get(_floats, slot, count);
        return _floats[slot];
    }

    private static T[][] Empty<T>() => Enumerable.Range(0, Slots).Select(_ => Array.Empty<T>()).ToArray();

    private static Span<T> Get<T>(T[][] arrays, int slot, int count)
    {
        if (arrays[slot].Length < count) arrays[slot] = new T[Math.Max(count, arrays[slot].Length * 2)];
        return arrays[slot].AsSpan(0, count);
    }
}
