using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 1 (<see cref="ByteSignDenseLayer"/>): the exact integers S = Σ w·p (u8 pixels × ±1 weights,
/// <see cref="SignByteGemm"/>) decided against the folded float threshold with a rigorous rounding bound
/// (<see cref="FirstLayerBound"/>: the order-free bound, or per image a tighter one for the SGEMM's known summation
/// order and the image's pixel sum); the few undecidable units are recomputed in the float32 operation order of the
/// SGEMM the model uses. Output: the units' signs, packed.
/// </summary>
internal sealed class ByteSignDenseStep : LayerStep
{
    private readonly ByteSignDenseLayer _layer;
    private readonly StepContext _context;
    private readonly float[] _table;
    // Decision ranges per bound level, loosest (the order-free bound) first: S ≥ _sureOne[l][j] ⇒ +1,
    // S < _sureMinusBelow[l][j] ⇒ −1, in between: replay. Level l holds for images whose bound is ≤ _levelBounds[l].
    private readonly int[][] _sureOne;
    private readonly int[][] _sureMinusBelow;
    private readonly double[] _levelBounds;
    private readonly double _boundConstant, _boundPerPixelSum; // per-image bound (known order), or +∞ without one
    private readonly SignBytePanel _panel;  // ±1 weights as signed bytes (SignByteGemm)
    private readonly SgemmDotEmulation? _dot; // single-unit replays in Sgemm's operation order (null: use Sgemm)
    private readonly List<(int Image, int Unit)> _pending = [];
    private float[] _replayInput = [], _replayWeights = [], _replayOutput = [];
    private int[] _replayRow = [];

    /// <exception cref="NotSupportedException">The model's pixel table is not increasing (a ≤ 0 in x ≈ a·p + b).</exception>
    public ByteSignDenseStep(ByteSignDenseLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _table = context.Model.PixelTable;
        _panel = SignBytePanel.FromPackedSigns(layer.Weights, layer.OutFeatures, layer.InFeatures);
        _dot = SgemmDotEmulation.Create(layer.InFeatures);
        int k = layer.InFeatures;
        var (a, b, bound) = FirstLayerBound.Compute(_table, k);
        if (!(a > 0))
            throw new NotSupportedException($"The pixel table must increase with the byte value (x ≈ a·p + b with a > 0); here a = {a}.");
        // The order-free bound decides every image; when the emulation pins down the summation order, tighter levels
        // (the order-free bound times 2^(−l/2)) serve the images whose own bound is at most the level's.
        int levels = _dot is null ? 1 : BoundLevels;
        (_boundConstant, _boundPerPixelSum) = _dot is null ? (double.PositiveInfinity, 0)
            : FirstLayerBound.OrderedBound(_table, k, _dot.BlockLength(k));
        _levelBounds = new double[levels];
        _sureOne = new int[levels][];
        _sureMinusBelow = new int[levels][];
        for (int l = 0; l < levels; l++)
        {
            _levelBounds[l] = bound * Math.Pow(2, -0.5 * l);
            (_sureOne[l], _sureMinusBelow[l]) = DecisionRanges(layer, a, b, _levelBounds[l]);
        }
    }

    /// <summary>Bound levels: the order-free bound and 12 tighter ones down to 1/64 of it.</summary>
    private const int BoundLevels = 13;

    /// <summary>The tightest level whose bound covers an image with pixel sum <paramref name="pixelSum"/> (0 = order-free).</summary>
    private int Level(long pixelSum)
    {
        double bound = _boundConstant + _boundPerPixelSum * pixelSum;
        int l = 0;
        while (l + 1 < _levelBounds.Length && _levelBounds[l + 1] >= bound) l++;
        return l;
    }

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, n = _layer.OutFeatures, k = _layer.InFeatures, words = BitLayout.WordsPerRow(n);
        var sums = _context.Scratch.Ints(0, m * n);
        SignByteGemm.Multiply(io.InputBytes[..(m * k)], m, _panel, sums, _context.Threads);
        _pending.Clear();
        for (int i = 0; i < m; i++)
        {
            int level = _levelBounds.Length == 1 ? 0 : Level(PixelSum(io.InputBytes.Slice(i * k, k)));
            DecideRow(i, sums.Slice(i * n, n), io.OutputWords.Slice(i * words, words), _sureOne[level], _sureMinusBelow[level]);
        }
        ResolvePending(io.InputBytes, io.OutputWords, n, k);
    }

    /// <summary>Σ of the bytes (the image's pixel sum).</summary>
    internal static long PixelSum(ReadOnlySpan<byte> pixels)
    {
        long sum = 0;
        int t = 0;
        if (Vector512.IsHardwareAccelerated && Avx512BW.IsSupported)
        {
            var acc = Vector512<ulong>.Zero;
            ref byte p = ref MemoryMarshal.GetReference(pixels);
            for (; t + 64 <= pixels.Length; t += 64)
                acc += Avx512BW.SumAbsoluteDifferences(Vector512.LoadUnsafe(ref p, (nuint)t), Vector512<byte>.Zero).AsUInt64();
            sum = (long)Vector512.Sum(acc);
        }
        else if (Vector256.IsHardwareAccelerated && Avx2.IsSupported)
        {
            var acc = Vector256<ulong>.Zero;
            ref byte p = ref MemoryMarshal.GetReference(pixels);
            for (; t + 32 <= pixels.Length; t += 32)
                acc += Avx2.SumAbsoluteDifferences(Vector256.LoadUnsafe(ref p, (nuint)t), Vector256<byte>.Zero).AsUInt64();
            sum = (long)Vector256.Sum(acc);
        }
        for (; t < pixels.Length; t++) sum += pixels[t];
        return sum;
    }

    private void DecideRow(int image, ReadOnlySpan<int> sums, Span<ulong> bits, int[] sureOne, int[] sureMinusBelow)
    {
        int n = sums.Length, words = BitLayout.WordsPerRow(n);
        for (int w = 0; w < words; w++)
        {
            int start = w * 64, count = Math.Min(64, n - start);
            var block = sums.Slice(start, count);
            ulong sure = ThresholdBits.AtLeast(block, sureOne.AsSpan(start, count));
            // Undecided: not surely +1 but not below the −1 range either; their bits are set later by ResolvePending.
            ulong undecided = ThresholdBits.AtLeast(block, sureMinusBelow.AsSpan(start, count)) & ~sure;
            for (; undecided != 0; undecided &= undecided - 1) _pending.Add((image, start + BitOperations.TrailingZeroCount(undecided)));
            bits[w] = sure;
        }
    }

    /// <summary>
    /// Recomputes the undecided units' float32 dot products exactly as the training model's SGEMM does: with
    /// <see cref="SgemmDotEmulation"/> when it verified itself, else one Sgemm call per image over that image's
    /// undecided units (they arrive in image order). Sgemm computes every output element with the same operation
    /// sequence whatever the matrix size (its determinism contract), so each value equals the training model's.
    /// </summary>
    private void ResolvePending(ReadOnlySpan<byte> pixels, Span<ulong> bits, int n, int k)
    {
        if (_pending.Count == 0) return;
        if (_dot is null)
        {
            ResolvePendingWithSgemm(pixels, bits, n, k);
            return;
        }
        // Float rows of the images with undecided units (they arrive in image order), then the units four at a time.
        int wordsOut = BitLayout.WordsPerRow(n), words = _layer.WordsPerRow;
        if (_replayRow.Length < _pending.Count) _replayRow = new int[_pending.Count];
        int rows = 0;
        for (int p = 0; p < _pending.Count; p++)
        {
            if (p == 0 || _pending[p].Image != _pending[p - 1].Image)
            {
                if (_replayInput.Length < (rows + 1) * k) Array.Resize(ref _replayInput, Math.Max((rows + 1) * k, 2 * _replayInput.Length));
                var input = pixels.Slice(_pending[p].Image * k, k);
                var row = _replayInput.AsSpan(rows * k, k);
                for (int t = 0; t < k; t++) row[t] = _table[input[t]];
                rows++;
            }
            _replayRow[p] = rows - 1;
        }
        if (_replayOutput.Length < _pending.Count + 3) _replayOutput = new float[_pending.Count + 3];
        ReadOnlySpan<float> X(int p) => _replayInput.AsSpan(_replayRow[p] * k, k);
        ReadOnlySpan<ulong> S(int p) => _layer.Weights.AsSpan(_pending[p].Unit * words, words);
        int q = 0;
        for (; q + 4 <= _pending.Count; q += 4)
            _dot.DotSigns4(X(q), S(q), X(q + 1), S(q + 1), X(q + 2), S(q + 2), X(q + 3), S(q + 3), _replayOutput.AsSpan(q, 4));
        for (; q < _pending.Count; q++) _replayOutput[q] = _dot.DotSigns(X(q), S(q));
        for (int p = 0; p < _pending.Count; p++)
        {
            var (image, unit) = _pending[p];
            if (_replayOutput[p] >= _layer.Thresholds[unit]) bits[image * wordsOut + (unit >> 6)] |= 1UL << (unit & 63);
        }
        _context.Counters.Replays += _pending.Count;
    }

    /// <summary>Fallback when the emulation did not verify: one Sgemm call per image over its undecided units.</summary>
    private void ResolvePendingWithSgemm(ReadOnlySpan<byte> pixels, Span<ulong> bits, int n, int k)
    {
        int wordsOut = BitLayout.WordsPerRow(n), words = _layer.WordsPerRow;
        if (_replayInput.Length < k) _replayInput = new float[k];
        for (int start = 0; start < _pending.Count;)
        {
            int image = _pending[start].Image, end = start;
            while (end < _pending.Count && _pending[end].Image == image) end++;
            int u = end - start;
            if (_replayOutput.Length < u) _replayOutput = new float[u];
            if (_replayWeights.Length < u * k) _replayWeights = new float[u * k];
            var input = pixels.Slice(image * k, k);
            for (int t = 0; t < k; t++) _replayInput[t] = _table[input[t]];
            for (int r = 0; r < u; r++)
                BitPacking.UnpackSigns(_layer.Weights.AsSpan(_pending[start + r].Unit * words, words), 1, k, _replayWeights.AsSpan(r * k, k));
            Sgemm.Multiply(false, true, 1, u, k, 1f, _replayInput.AsSpan(0, k), k, _replayWeights.AsSpan(0, u * k), k, 0f, _replayOutput.AsSpan(0, u), u, 1);
            for (int r = 0; r < u; r++)
            {
                int unit = _pending[start + r].Unit;
                if (_replayOutput[r] >= _layer.Thresholds[unit]) bits[image * wordsOut + (unit >> 6)] |= 1UL << (unit & 63);
            }
            _context.Counters.Replays += u;
            start = end;
        }
    }

    /// <summary>
    /// Per unit, the integer pixel sums S = Σ w'·p for which a bound on |yf − (a·S + b·W)| decides the sign:
    /// S ≥ sureOne ⇒ +1 and S &lt; sureMinusBelow ⇒ −1 (both found by bisection on the monotone double predicates
    /// over S ∈ [−255k, 255k]).
    /// </summary>
    private static (int[] SureOne, int[] SureMinusBelow) DecisionRanges(ByteSignDenseLayer layer, double a, double b, double bound)
    {
        int k = layer.InFeatures, n = layer.OutFeatures, words = layer.WordsPerRow;
        var sureOne = new int[n];
        var sureMinusBelow = new int[n];
        int lo = -255 * k, hi = 255 * k + 1;
        for (int j = 0; j < n; j++)
        {
            int ones = 0;
            foreach (ulong word in layer.Weights.AsSpan(j * words, words)) ones += BitOperations.PopCount(word);
            double weightSum = 2 * ones - k, threshold = layer.Thresholds[j];
            sureOne[j] = FirstTrue(lo, hi, s => a * s + b * weightSum - bound >= threshold);
            sureMinusBelow[j] = FirstTrue(lo, hi, s => !(a * s + b * weightSum + bound < threshold));
        }
        return (sureOne, sureMinusBelow);
    }

    /// <summary>Smallest s in [lo, hi) with predicate(s) true for a monotone predicate, or hi if none.</summary>
    private static int FirstTrue(int lo, int hi, Func<int, bool> predicate)
    {
        int l = lo, h = hi;
        while (l < h)
        {
            int mid = l + (h - l) / 2;
            if (predicate(mid)) h = mid;
            else l = mid + 1;
        }
        return l;
    }
}
