using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

/// <summary>The word-level combine of a popcount GEMM: <c>popcount(Combine(a, b))</c> is summed over the row.</summary>
internal interface IBitCombine
{
    static abstract ulong Combine(ulong a, ulong b);
    static abstract Vector256<ulong> Combine(Vector256<ulong> a, Vector256<ulong> b);
    static abstract Vector512<ulong> Combine(Vector512<ulong> a, Vector512<ulong> b);
}

/// <summary>XOR: counts disagreeing signs (XNOR-popcount GEMM).</summary>
internal readonly struct XorCombine : IBitCombine
{
    public static ulong Combine(ulong a, ulong b) => a ^ b;
    public static Vector256<ulong> Combine(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;
    public static Vector512<ulong> Combine(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;
}

/// <summary>AND: counts common set bits (bit-serial plane products).</summary>
internal readonly struct AndCombine : IBitCombine
{
    public static ulong Combine(ulong a, ulong b) => a & b;
    public static Vector256<ulong> Combine(Vector256<ulong> a, Vector256<ulong> b) => a & b;
    public static Vector512<ulong> Combine(Vector512<ulong> a, Vector512<ulong> b) => a & b;
}

/// <summary>Maps a row popcount to the stored output value.</summary>
internal interface IPopCountEpilogue
{
    int Apply(int popcount);
    Vector256<int> Apply(Vector256<int> popcount);
    Vector512<int> Apply(Vector512<int> popcount);
}

/// <summary>Stores the raw popcount.</summary>
internal readonly struct RawEpilogue : IPopCountEpilogue
{
    public int Apply(int popcount) => popcount;
    public Vector256<int> Apply(Vector256<int> popcount) => popcount;
    public Vector512<int> Apply(Vector512<int> popcount) => popcount;
}

/// <summary>±1 dot product from the XOR popcount: <c>bits − 2·popcount</c>.</summary>
internal readonly struct XnorEpilogue(int bits) : IPopCountEpilogue
{
    private readonly int _bits = bits;
    public int Apply(int popcount) => _bits - 2 * popcount;
    public Vector256<int> Apply(Vector256<int> popcount) => Vector256.Create(_bits) - (popcount + popcount);
    public Vector512<int> Apply(Vector512<int> popcount) => Vector512.Create(_bits) - (popcount + popcount);
}
