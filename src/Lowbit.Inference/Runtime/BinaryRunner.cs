using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// The binary chain (<see cref="ByteSignDenseLayer"/>, <see cref="BinarySignDenseLayer"/>s, <see cref="BinaryOutputDenseLayer"/>)
/// run on one chunk of images.
/// </summary>
/// <remarks>
/// First layer = exact integer Σ w·p (<see cref="SignByteGemm"/>) decided against the folded float threshold with a rigorous rounding bound
/// (<see cref="FirstLayerBound"/>); the few undecidable units are recomputed with the same float32 SGEMM the model uses.
/// Hidden layers = <see cref="XnorGemm"/> + integer thresholds, packed straight into the next layer's input bits.
/// Output layer = XNOR GEMM, then the model's float32 bias/batch norm, then the first arg-max.
/// </remarks>
internal sealed class BinaryRunner : IChunkRunner
{
    private readonly InferenceOptions _options;
    private readonly RunCounters _counters;
    private readonly ByteSignDenseLayer _first;
    private readonly BinarySignDenseLayer[] _hidden;
    private readonly BinaryOutputDenseLayer _output;
    private readonly float[] _table;
    private readonly int[] _sureOne;        // first layer: S ≥ _sureOne[j] ⇒ +1
    private readonly int[] _sureMinusBelow; // first layer: S < _sureMinusBelow[j] ⇒ −1; in between: replay
    private readonly int[][] _minDot;       // hidden layer h: dot ≥ _minDot[h][j] ⇒ +1
    private readonly int _widest, _widestWords;
    private readonly SignBytePanel _firstPanel; // ±1 first-layer weights as signed bytes (SignByteGemm)
    private readonly SgemmDotEmulation? _dot;
    private readonly XnorWeights[] _hiddenWeights; // hidden layers' weights packed once into GEMM panels
    private readonly XnorWeights _outputWeights;   // single-unit replays in Sgemm's operation order (null: use Sgemm)
    private readonly List<(int Image, int Unit)> _pending = [];
    private float[] _replayInput = [], _replayWeights = [], _replayOutput = [];
    private int[] _replayRow = [];
    private int[] _dots = [];
    private ulong[] _bitsA = [], _bitsB = [];
    private float[] _logits = [];

    /// <summary>Prepares the decision ranges and scratch for <paramref name="model"/> (a binary chain).</summary>
    /// <exception cref="NotSupportedException">The model's pixel table is not increasing (a ≤ 0 in x ≈ a·p + b).</exception>
    public BinaryRunner(PackedModel model, InferenceOptions options, RunCounters counters)
    {
        _options = options;
        _counters = counters;
        Model = model;
        _first = (ByteSignDenseLayer)model.Layers[0];
        _hidden = model.Layers.Skip(1).Take(model.Layers.Count - 2).Cast<BinarySignDenseLayer>().ToArray();
        _output = (BinaryOutputDenseLayer)model.Layers[^1];
        _table = model.PixelTable;
        (_sureOne, _sureMinusBelow) = FirstLayerDecisionRanges(_first, _table);
        _minDot = _hidden.Select(h => h.MaxMismatches.Select(d => h.InFeatures - 2 * d).ToArray()).ToArray();
        _widest = model.Layers.Max(l => l.OutFeatures);
        _widestWords = model.Layers.Max(l => BitLayout.WordsPerRow(l.OutFeatures));
        _firstPanel = SignBytePanel.FromPackedSigns(_first.Weights, _first.OutFeatures, _first.InFeatures);
        _dot = SgemmDotEmulation.Create(_first.InFeatures);
        _hiddenWeights = _hidden.Select(h => XnorWeights.Pack(h.Weights, h.OutFeatures, h.InFeatures)).ToArray();
        _outputWeights = XnorWeights.Pack(_output.Weights, _output.OutFeatures, _output.InFeatures);
    }

    private PackedModel Model { get; }

    private int Classes => Model.Classes;

    /// <summary>First layer: the exact integers Σ w·p (u8 pixels × ±1 weights, <see cref="SignByteGemm"/>).</summary>
    private void FirstLayerDots(ReadOnlySpan<byte> pixels, int m, Span<int> dots, int threads) =>
        SignByteGemm.Multiply(pixels, m, _firstPanel, dots, threads);

    public void EnsureScratch(int m)
    {
        if (_dots.Length < m * _widest) _dots = new int[m * _widest];
        if (_bitsA.Length < m * _widestWords)
        {
            _bitsA = new ulong[m * _widestWords];
            _bitsB = new ulong[m * _widestWords];
        }
        if (_logits.Length < m * Classes) _logits = new float[m * Classes];
    }

    public void RunChunk(ReadOnlySpan<byte> pixels, int m, Span<int> classes, Span<int> dotsOut, Span<float> logitsOut)
    {
        int threads = _options.Threads;
        long t0 = Stopwatch.GetTimestamp();
        int n = _first.OutFeatures, k = _first.InFeatures;
        var dots = _dots.AsSpan(0, m * n);
        FirstLayerDots(pixels, m, dots, threads);
        var bits = _bitsA.AsSpan(0, m * BitLayout.WordsPerRow(n));
        _pending.Clear();
        for (int i = 0; i < m; i++) DecideFirstLayerRow(i, dots.Slice(i * n, n), bits.Slice(i * BitLayout.WordsPerRow(n)));
        ResolvePending(pixels, bits, n, k);
        t0 = Lap(0, t0);

        ulong[] input = _bitsA, spare = _bitsB;
        for (int h = 0; h < _hidden.Length; h++)
        {
            var layer = _hidden[h];
            int words = BitLayout.WordsPerRow(layer.OutFeatures);
            dots = _dots.AsSpan(0, m * layer.OutFeatures);
            XnorGemm.MultiplyPacked(input.AsSpan(0, m * layer.WordsPerRow), _hiddenWeights[h], m, dots, threads);
            PackSigns(dots, m, layer.OutFeatures, _minDot[h], spare.AsSpan(0, m * words));
            (input, spare) = (spare, input);
            t0 = Lap(h + 1, t0);
        }

        int c = _output.OutFeatures;
        dots = _dots.AsSpan(0, m * c);
        XnorGemm.MultiplyPacked(input.AsSpan(0, m * _output.WordsPerRow), _outputWeights, m, dots, threads);
        var logits = _logits.AsSpan(0, m * c);
        for (int i = 0; i < m * c; i++)
        {
            // Same float32 steps as Tensor.Add (bias) and Tensor.BatchNorm (v·scale + shift) in the training model.
            float v = dots[i];
            int j = i % c;
            if (_output.Bias is not null) v += _output.Bias[j];
            if (_output.Scale is not null) v = v * _output.Scale[j] + _output.Shift![j];
            logits[i] = v;
        }
        for (int i = 0; i < m; i++) classes[i] = TensorPrimitives.IndexOfMax<float>(logits.Slice(i * c, c));
        if (!dotsOut.IsEmpty) dots.CopyTo(dotsOut);
        if (!logitsOut.IsEmpty) logits.CopyTo(logitsOut);
        Lap(Model.Layers.Count - 1, t0);
    }

    private long Lap(int layer, long since)
    {
        long now = Stopwatch.GetTimestamp();
        _counters.LayerTicks[layer] += now - since;
        return now;
    }

    /// <summary>Writes sign bits: unit j of image i is +1 iff dots[i, j] ≥ minDot[j].</summary>
    private static void PackSigns(ReadOnlySpan<int> dots, int m, int n, ReadOnlySpan<int> minDot, Span<ulong> bits)
    {
        int words = BitLayout.WordsPerRow(n);
        for (int i = 0; i < m; i++)
        {
            var row = dots.Slice(i * n, n);
            var outRow = bits.Slice(i * words, words);
            for (int w = 0; w < words; w++)
            {
                int start = w * 64, count = Math.Min(64, n - start);
                outRow[w] = ThresholdBits.AtLeast(row.Slice(start, count), minDot.Slice(start, count));
            }
        }
    }

    private void DecideFirstLayerRow(int image, ReadOnlySpan<int> sums, Span<ulong> bits)
    {
        int n = sums.Length, words = BitLayout.WordsPerRow(n);
        for (int w = 0; w < words; w++)
        {
            int start = w * 64, count = Math.Min(64, n - start);
            var block = sums.Slice(start, count);
            ulong sure = ThresholdBits.AtLeast(block, _sureOne.AsSpan(start, count));
            // Undecided: not surely +1 but not below the −1 range either; their bits are set later by ResolvePending.
            ulong undecided = ThresholdBits.AtLeast(block, _sureMinusBelow.AsSpan(start, count)) & ~sure;
            for (; undecided != 0; undecided &= undecided - 1) _pending.Add((image, start + System.Numerics.BitOperations.TrailingZeroCount(undecided)));
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
        int wordsOut = BitLayout.WordsPerRow(n), words = _first.WordsPerRow;
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
        ReadOnlySpan<ulong> S(int p) => _first.Weights.AsSpan(_pending[p].Unit * words, words);
        int q = 0;
        for (; q + 4 <= _pending.Count; q += 4)
            _dot.DotSigns4(X(q), S(q), X(q + 1), S(q + 1), X(q + 2), S(q + 2), X(q + 3), S(q + 3), _replayOutput.AsSpan(q, 4));
        for (; q < _pending.Count; q++) _replayOutput[q] = _dot.DotSigns(X(q), S(q));
        for (int p = 0; p < _pending.Count; p++)
        {
            var (image, unit) = _pending[p];
            if (_replayOutput[p] >= _first.Thresholds[unit]) bits[image * wordsOut + (unit >> 6)] |= 1UL << (unit & 63);
        }
        _counters.Replays += _pending.Count;
    }

    /// <summary>Fallback when the emulation did not verify: one Sgemm call per image over its undecided units.</summary>
    private void ResolvePendingWithSgemm(ReadOnlySpan<byte> pixels, Span<ulong> bits, int n, int k)
    {
        int wordsOut = BitLayout.WordsPerRow(n), words = _first.WordsPerRow;
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
                BitPacking.UnpackSigns(_first.Weights.AsSpan(_pending[start + r].Unit * words, words), 1, k, _replayWeights.AsSpan(r * k, k));
            Sgemm.Multiply(false, true, 1, u, k, 1f, _replayInput.AsSpan(0, k), k, _replayWeights.AsSpan(0, u * k), k, 0f, _replayOutput.AsSpan(0, u), u, 1);
            for (int r = 0; r < u; r++)
            {
                int unit = _pending[start + r].Unit;
                if (_replayOutput[r] >= _first.Thresholds[unit]) bits[image * wordsOut + (unit >> 6)] |= 1UL << (unit & 63);
            }
            _counters.Replays += u;
            start = end;
        }
    }

    /// <summary>
    /// Per unit, the integer pixel sums S = Σ w'·p for which the bound decides the sign: S ≥ sureOne ⇒ +1 and
    /// S &lt; sureMinusBelow ⇒ −1 (both found by bisection on the monotone double predicates over S ∈ [−255k, 255k]).
    /// </summary>
    private static (int[] SureOne, int[] SureMinusBelow) FirstLayerDecisionRanges(ByteSignDenseLayer layer, float[] table)
    {
        int k = layer.InFeatures, n = layer.OutFeatures, words = layer.WordsPerRow;
        var (a, b, bound) = FirstLayerBound.Compute(table, k);
        if (!(a > 0))
            throw new NotSupportedException($"The pixel table must increase with the byte value (x ≈ a·p + b with a > 0); here a = {a}.");
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
