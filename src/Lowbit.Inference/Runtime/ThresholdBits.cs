using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Inference.Runtime;

/// <summary>Packs "value ≥ threshold" for up to 64 consecutive units into one word (bit j = unit j, <c>BitLayout</c> order).</summary>
internal static class ThresholdBits
{
    /// <summary>Bit j set iff values[j] ≥ thresholds[j], for j &lt; values.Length ≤ 64; vectorised 16 (or 8) units at a time.</summary>
    public static ulong AtLeast(ReadOnlySpan<int> values, ReadOnlySpan<int> thresholds)
    {
        int n = values.Length, j = 0;
        ulong word = 0;
        ref int v = ref MemoryMarshal.GetReference(values);
        ref int t = ref MemoryMarshal.GetReference(thresholds);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; j + 16 <= n; j += 16)
                word |= (ulong)Vector512.GreaterThanOrEqual(Vector512.LoadUnsafe(ref v, (nuint)j), Vector512.LoadUnsafe(ref t, (nuint)j)).ExtractMostSignificantBits() << j;
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= n; j += 8)
                word |= (ulong)Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref v, (nuint)j), Vector256.LoadUnsafe(ref t, (nuint)j)).ExtractMostSignificantBits() << j;
        }
        return j == n ? word : word | AtLeastScalar(values[j..], thresholds[j..n]) << j;
    }

    /// <summary>Reference: one comparison per unit.</summary>
    public static ulong AtLeastScalar(ReadOnlySpan<int> values, ReadOnlySpan<int> thresholds)
    {
        ulong word = 0;
        for (int j = 0; j < values.Length; j++) word |= (values[j] >= thresholds[j] ? 1UL : 0UL) << j;
        return word;
    }
}
