using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

public static partial class XnorConv
{
    /// <summary>Fewest reduction steps the 512-bit path counts with <see cref="CarrySave9"/> (below <see cref="HarleySealMinSteps"/>).</summary>
    internal const int CarrySaveMinSteps = 9;

    /// <summary>Reduction steps the 512-bit path counts with <see cref="CarrySave18"/>: [18, 27) (3×3 kernels on 33–64 channels have 18).</summary>
    internal const int CarrySave18MinSteps = 18, CarrySave18MaxSteps = 26;

    /// <summary>
    /// One vector of 16 filters against one pixel for 9 ≤ steps &lt; 16 (a 3×3 kernel on ≤ 32 channels has 9): the first
    /// 9 XOR words go through a tree of 5 carry-save adders (3-input XOR / majority, one <c>vpternlogq</c> each) into
    /// bit slices of weight 1, 2, 2 and 4, so that 4 byte-lookup popcounts replace 9; the steps after the ninth are
    /// counted one by one. c[l] = Σ_r popcount(x[offsets[r]] XOR w[r·lanes + l]).
    /// </summary>
    /// <remarks>
    /// Tree: (s1, c1) = CSA(d0, d1, d2), (s2, c2) = CSA(d3, d4, d5), (s3, c3) = CSA(d6, d7, d8) give
    /// Σ d = s1 + s2 + s3 + 2(c1 + c2 + c3); (ones, c4) = CSA(s1, s2, s3) and (s5, c5) = CSA(c1, c2, c3) give
    /// Σ d = ones + 2(c4 + s5) + 4·c5 per bit position. Byte sums: 4·8 + 2·16 + 8 = 72, plus ≤ 6 × 8 for the other
    /// steps, stay below 256. Harley-Seal style counting (Muła, Kurz, Lemire 2018) for a reduction too short for whole
    /// 8-step blocks.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Vector512<int> CarrySave9(uint* x, uint* w, int* offsets, int steps, int lanes, in PopCountTables512 tables) =>
        CarrySave9Inlined(x, w, offsets, steps, lanes, tables.A, tables.B);

    /// <summary><see cref="CarrySave9"/> inlined into a caller that holds the tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> CarrySave9Inlined(uint* x, uint* w, int* offsets, int steps, int lanes,
        Vector512<byte> ta, Vector512<byte> tb)
    {
        int* off = offsets;
        uint* wp = w;
        var (s1, c1) = PopCountGemm.CarrySave(Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
        var (s2, c2) = PopCountGemm.CarrySave(Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
        var (s3, c3) = PopCountGemm.CarrySave(Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
        var (ones, c4) = PopCountGemm.CarrySave(s1, s2, s3);
        var (s5, c5) = PopCountGemm.CarrySave(c1, c2, c3);
        Vector512<byte> sum;
        if (Avx512Vbmi.IsSupported)
        {
            sum = WeightedCounts9(c5, c4, s5, ones, ta, tb); // ≤ 72
        }
        else
        {
            sum = ByteCounts(c5, ta, tb); // ≤ 8 per byte
            sum = sum + sum + ByteCounts(c4, ta, tb) + ByteCounts(s5, ta, tb); // ≤ 32
            sum = sum + sum + ByteCounts(ones, ta, tb); // ≤ 72
        }
        for (int r = CarrySaveMinSteps; r < steps; r++) sum += ByteCounts(Xor512(x, ref off, ref wp, lanes), ta, tb); // ≤ 72 + 6·8
        return Widen(sum);
    }

    /// <summary>
    /// As <see cref="CarrySave9"/> for 18 ≤ steps ≤ 26: two 9-input trees, whose bit slices are merged by weight with
    /// 4 more adders, so that 5 byte lookups count the first 18 XOR words (the 8-step Harley-Seal blocks needed 2 lookups
    /// per block, 3 at the end and one per tail step).
    /// </summary>
    /// <remarks>
    /// Trees A and B give Σ d = onesA + onesB + 2(c4A + s5A + c4B + s5B) + 4(c5A + c5B). Then (ones, t) = half adder(onesA,
    /// onesB); (u, f1) = CSA(c4A, s5A, c4B), (twos, f2) = CSA(s5B, t, u); (v, e1) = CSA(c5A, c5B, f1), (fours, e2) = half
    /// adder(v, f2): Σ d = ones + 2·twos + 4·fours + 8(e1 + e2). Byte sums: 8·16 + 4·8 + 2·8 + 8 = 184, plus ≤ 8 × 8 for the
    /// steps after the 18th, stay below 256.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Vector512<int> CarrySave18(uint* x, uint* w, int* offsets, int steps, int lanes, in PopCountTables512 tables) =>
        CarrySave18Inlined(x, w, offsets, steps, lanes, tables.A, tables.B);

    /// <summary><see cref="CarrySave18"/> inlined into a caller that holds the tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> CarrySave18Inlined(uint* x, uint* w, int* offsets, int steps, int lanes,
        Vector512<byte> ta, Vector512<byte> tb)
    {
        int* off = offsets;
        uint* wp = w;
        var (ones, twos, fours, e1, e2) = Tree18(x, ref off, ref wp, lanes);
        Vector512<byte> sum = ByteCounts(e1, ta, tb) + ByteCounts(e2, ta, tb); // ≤ 16 per byte
        sum = sum + sum + ByteCounts(fours, ta, tb); // ≤ 40
        sum = sum + sum + ByteCounts(twos, ta, tb); // ≤ 88
        sum = sum + sum + ByteCounts(ones, ta, tb); // ≤ 184
        for (int r = CarrySave18MinSteps; r < steps; r++) sum += ByteCounts(Xor512(x, ref off, ref wp, lanes), ta, tb); // ≤ 184 + 8·8
        return Widen(sum);
    }

    /// <summary>
    /// Reduction steps the 512-bit sign path counts with <see cref="CarrySave36Inlined"/>: [36, 44] (3×3 kernels on 97–128
    /// channels have 36).
    /// </summary>
    internal const int CarrySave36MinSteps = 36, CarrySave36MaxSteps = 44;

    /// <summary>
    /// As <see cref="CarrySave18"/> for 36 ≤ steps ≤ 44: two 18-input merges of <see cref="CarrySave18"/>, merged again by
    /// weight into bit slices of weight 1, 2, 4, 8, 16 and 32, so that 6 byte lookups count the first 36 XOR words (the
    /// 8-step Harley-Seal blocks needed 11 and more adders per step).
    /// </summary>
    /// <remarks>
    /// Each half gives Σ d = ones + 2·twos + 4·fours + 8(e1 + e2) per bit position (<see cref="CarrySave18"/>). Then
    /// ones = onesP ⊕ onesQ, t = onesP ∧ onesQ; (twos, f) = CSA(twosP, twosQ, t); (fours, g) = CSA(foursP, foursQ, f);
    /// (h, i) = CSA(e1P, e2P, e1Q), (eights, j) = CSA(e2Q, g, h); sixteens = i ⊕ j, k = i ∧ j: Σ d = ones + 2·twos + 4·fours
    /// + 8·eights + 16·sixteens + 32·k. Per byte, low = 4·pc(fours) + 2·pc(twos) + pc(ones) ≤ 56, plus ≤ 8 × 8 for the steps
    /// after the 36th, and high = 4·pc(k) + 2·pc(sixteens) + pc(eights) ≤ 56 stay below 256; c = 8·high + low once widened.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> CarrySave36Inlined(uint* x, uint* w, int* offsets, int steps, int lanes,
        Vector512<byte> ta, Vector512<byte> tb)
    {
        int* off = offsets;
        uint* wp = w;
        var p = Tree18(x, ref off, ref wp, lanes);
        var q = Tree18(x, ref off, ref wp, lanes);
        var (high, low) = MergeTrees18(p, q, ta, tb);
        for (int r = CarrySave36MinSteps; r < steps; r++) low += ByteCounts(Xor512(x, ref off, ref wp, lanes), ta, tb); // ≤ 56 + 8·8
        return (Widen(high) << 3) + Widen(low);
    }

    /// <summary>
    /// Two 18-input trees (ones + 2·twos + 4·fours + 8(e1 + e2) each) merged by weight: per byte, high =
    /// 4·pc(k) + 2·pc(sixteens) + pc(eights) ≤ 56 and low = 4·pc(fours) + 2·pc(twos) + pc(ones) ≤ 56, the 36 words'
    /// count being 8·high + low once widened.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<byte> High, Vector512<byte> Low) MergeTrees18(
        (Vector512<ulong> Ones, Vector512<ulong> Twos, Vector512<ulong> Fours, Vector512<ulong> E1, Vector512<ulong> E2) p,
        (Vector512<ulong> Ones, Vector512<ulong> Twos, Vector512<ulong> Fours, Vector512<ulong> E1, Vector512<ulong> E2) q,
        Vector512<byte> ta, Vector512<byte> tb)
    {
        Vector512<ulong> ones = p.Ones ^ q.Ones, t = p.Ones & q.Ones;
        var (twos, f) = PopCountGemm.CarrySave(p.Twos, q.Twos, t);
        var (fours, g) = PopCountGemm.CarrySave(p.Fours, q.Fours, f);
        var (h, i) = PopCountGemm.CarrySave(p.E1, p.E2, q.E1);
        var (eights, j) = PopCountGemm.CarrySave(q.E2, g, h);
        Vector512<ulong> sixteens = i ^ j, k = i & j;
        Vector512<byte> high = ByteCounts(k, ta, tb);
        high = high + high + ByteCounts(sixteens, ta, tb); // ≤ 24 per byte
        high = high + high + ByteCounts(eights, ta, tb); // ≤ 56
        Vector512<byte> low = ByteCounts(fours, ta, tb);
        low = low + low + ByteCounts(twos, ta, tb);
        low = low + low + ByteCounts(ones, ta, tb); // ≤ 56
        return (high, low);
    }

    /// <summary>
    /// The next 18 XOR words as bit slices: two <see cref="Tree9"/> trees merged by weight with 4 adders (see
    /// <see cref="CarrySave18"/>), Σ d = ones + 2·twos + 4·fours + 8(e1 + e2) per bit position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Ones, Vector512<ulong> Twos, Vector512<ulong> Fours, Vector512<ulong> E1, Vector512<ulong> E2)
        Tree18(uint* x, ref int* off, ref uint* wp, int lanes)
    {
        var (onesA, c4A, s5A, c5A) = Tree9(x, ref off, ref wp, lanes);
        var (onesB, c4B, s5B, c5B) = Tree9(x, ref off, ref wp, lanes);
        Vector512<ulong> ones = onesA ^ onesB, t = onesA & onesB;
        var (u, f1) = PopCountGemm.CarrySave(c4A, s5A, c4B);
        var (twos, f2) = PopCountGemm.CarrySave(s5B, t, u);
        var (v, e1) = PopCountGemm.CarrySave(c5A, c5B, f1);
        return (ones, twos, v ^ f2, e1, v & f2);
    }

    /// <summary>
    /// Per byte, 4·popcount(c5) + 2·popcount(c4) + 2·popcount(s5) + popcount(ones) (≤ 72) with 6 <c>vpermb</c> lookups instead of
    /// 8: the low 6 bits of each slice index a table already scaled by the slice's weight, and the top 2 bits of c5, c4
    /// and s5 are gathered into one 6-bit index (bits 0-1, 2-3, 4-5: shifts by 6, 4 and 2 put them there; <c>vpermb</c>
    /// ignores index bits 6-7) for a table of their weighted counts. Needs AVX-512 VBMI; ta, tb as <see cref="PopCountTables512"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> WeightedCounts9(Vector512<ulong> c5, Vector512<ulong> c4, Vector512<ulong> s5, Vector512<ulong> ones,
        Vector512<byte> ta, Vector512<byte> tb)
    {
        // Tables as JIT-time constants (byte i of each = the value for index i).
        Vector512<byte> twice = Vector512.Create(0x0604040204020200UL, 0x0806060406040402UL, 0x0806060406040402UL, 0x0A08080608060604UL,
            0x0806060406040402UL, 0x0A08080608060604UL, 0x0A08080608060604UL, 0x0C0A0A080A080806UL).AsByte(); // 2·popcount(i)
        Vector512<byte> fourTimes = Vector512.Create(0x0C08080408040400UL, 0x100C0C080C080804UL, 0x100C0C080C080804UL, 0x1410100C100C0C08UL,
            0x100C0C080C080804UL, 0x1410100C100C0C08UL, 0x1410100C100C0C08UL, 0x181414101410100CUL).AsByte(); // 4·popcount(i)
        // 4·popcount(i & 3) + 2·popcount((i >> 2) & 3) + 2·popcount((i >> 4) & 3)
        Vector512<byte> high = Vector512.Create(0x0A06060208040400UL, 0x0C0808040A060602UL, 0x0C0808040A060602UL, 0x0E0A0A060C080804UL,
            0x0C0808040A060602UL, 0x0E0A0A060C080804UL, 0x0E0A0A060C080804UL, 0x100C0C080E0A0A06UL).AsByte();
        Vector512<ulong> index = Vector512.ConditionalSelect(Vector512.Create(0x0C0C0C0C0C0C0C0CUL), c4 >>> 4, s5 >>> 2);
        index = Vector512.ConditionalSelect(Vector512.Create(0x0303030303030303UL), c5 >>> 6, index);
        return Avx512Vbmi.PermuteVar64x8(fourTimes, c5.AsByte()) + Avx512Vbmi.PermuteVar64x8(twice, c4.AsByte())
            + Avx512Vbmi.PermuteVar64x8(twice, s5.AsByte()) + Avx512Vbmi.PermuteVar64x8(ta, ones.AsByte())
            + Avx512Vbmi.PermuteVar64x8(tb, (ones >>> 6).AsByte()) + Avx512Vbmi.PermuteVar64x8(high, index.AsByte());
    }

    /// <summary>The next 9 XOR words through the tree of <see cref="CarrySave9"/>: Σ d = ones + 2(c4 + s5) + 4·c5 per bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Ones, Vector512<ulong> C4, Vector512<ulong> S5, Vector512<ulong> C5) Tree9(uint* x, ref int* off, ref uint* wp, int lanes)
    {
        var (s1, c1) = PopCountGemm.CarrySave(Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
        var (s2, c2) = PopCountGemm.CarrySave(Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
        var (s3, c3) = PopCountGemm.CarrySave(Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
        var (ones, c4) = PopCountGemm.CarrySave(s1, s2, s3);
        var (s5, c5) = PopCountGemm.CarrySave(c1, c2, c3);
        return (ones, c4, s5, c5);
    }
}
