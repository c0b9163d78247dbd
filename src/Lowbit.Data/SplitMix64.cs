namespace Lowbit.Data;

/// <summary>
/// Small deterministic generator (SplitMix64, Steele, Lea and Flood 2014) used for shuffling and augmentation. Written out here
/// instead of <see cref="Random"/> so the sequence for a given seed can never change with the runtime version:
/// a resumed run must reproduce its data order exactly.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>Seed for one epoch of a run: a pure function of (seed, epoch).</summary>
    public static ulong EpochSeed(int seed, int epoch) =>
        Mix(Mix((ulong)(uint)seed ^ 0x243F6A8885A308D3UL) ^ (ulong)(uint)epoch);

    /// <summary>
    /// Seed for the augmentation of one image: a pure function of (seed, epoch, dataset index), on a stream kept apart
    /// from <see cref="EpochSeed"/>'s by a different salt.
    /// </summary>
    public static ulong ImageSeed(int seed, int epoch, int index) =>
        Mix(Mix(Mix((ulong)(uint)seed ^ 0x13198A2E03707344UL) ^ (ulong)(uint)epoch) ^ (ulong)(uint)index);

    public ulong Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform integer in [0, bound) without modulo bias (Lemire's multiply-and-reject).</summary>
    public uint NextBelow(uint bound)
    {
        System.Diagnostics.Debug.Assert(bound > 0);
        ulong product = (Next() >> 32) * bound;
        uint low = (uint)product;
        if (low < bound)
        {
            uint threshold = (0u - bound) % bound;
            while (low < threshold)
            {
                product = (Next() >> 32) * bound;
                low = (uint)product;
            }
        }

        return (uint)(product >> 32);
    }

    /// <summary>A uniformly random permutation of 0..count-1 (Fisher-Yates).</summary>
    public static int[] Permutation(int count, ulong seed)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        var generator = new SplitMix64(seed);
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)generator.NextBelow((uint)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
