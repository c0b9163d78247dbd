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
/// First layer = exact integer Σ w·p decided against the folded float threshold with a rigorous rounding bound
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
    private readonly float[]? _firstWeightsFloat; // ±1 weights [out, in] when the exact float path applies
    private float[] _pixelsFloat = [], _dotsFloat = [];
    private readonly List<(int Image, int Unit)> _pending = [];
    private readonly List<int> _rows = [], _units = [];
    private int[] _rowOf = [], _unitOf = [];
    private float[] _replayInput = [], _replayWeights = [], _replayOutput = [];
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
        // Σ w·p with w = ±1 and p ∈ 0..255 is an integer below 255·k in magnitude; when that is < 2^24 every partial
        // sum is exactly representable in float32, so SGEMM computes the exact integer in any summation order.
        if ((long)_first.InFeatures * 255 < 1 << 24)
        {
            _firstWeightsFloat = new float[_first.OutFeatures * _first.InFeatures];
            BitPacking.UnpackSigns(_first.Weights, _first.OutFeatures, _first.InFeatures, _firstWeightsFloat);
        }
    }

    private PackedModel Model { get; }

    private int Classes => Model.Classes;

    /// <summary>First layer Σ w·p: exact float SGEMM when the bound allows (much faster), else the bit-serial kernel.</summary>
    private void FirstLayerDots(ReadOnlySpan<byte> pixels, int m, int n, int k, Span<int> dots, int threads)
    {
        if (_firstWeightsFloat is null)
        {
            BitSerialGemm.MultiplyBytesBySigns(pixels, _first.Weights, m, n, k, dots, threads);
            return;
        }
        if (_pixelsFloat.Length < m * k) _pixelsFloat = new float[m * k];
        if (_dotsFloat.Length < m * n) _dotsFloat = new float[m * n];
        var px = _pixelsFloat.AsSpan(0, m * k);
        for (int i = 0; i < px.Length; i++) px[i] = pixels[i];
        var d = _dotsFloat.AsSpan(0, m * n);
        if (m < 8)
        {
            // Few images: one dot product per output (no SGEMM panel packing of the whole weight matrix per call).
            var w = _firstWeightsFloat.AsSpan();
            for (int i = 0; i < m; i++)
            {
                var row = px.Slice(i * k, k);
                for (int j = 0; j < n; j++) d[i * n + j] = System.Numerics.Tensors.TensorPrimitives.Dot(row, w.Slice(j * k, k));
            }
        }
        else
        {
            Lowbit.Kernels.Gemm.Sgemm.Multiply(false, true, m, n, k, 1f, px, k, _firstWeightsFloat, k, 0f, d, n, threads);
        }
        for (int i = 0; i < d.Length; i++) dots[i] = (int)d[i];
    }

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
        FirstLayerDots(pixels, m, n, k, dots, threads);
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
            XnorGemm.Multiply(input.AsSpan(0, m * layer.WordsPerRow), layer.Weights, m, layer.OutFeatures, layer.InFeatures, dots, threads);
            PackSigns(dots, m, layer.OutFeatures, _minDot[h], spare.AsSpan(0, m * words));
            (input, spare) = (spare, input);
            t0 = Lap(h + 1, t0);
        }

        int c = _output.OutFeatures;
        dots = _dots.AsSpan(0, m * c);
        XnorGemm.Multiply(input.AsSpan(0, m * _output.WordsPerRow), _output.Weights, m, c, _output.InFeatures, dots, threads);
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
                int end = Math.Min(n, (w + 1) * 64);
                ulong word = 0;
                for (int j = w * 64; j < end; j++) word |= (row[j] >= minDot[j] ? 1UL : 0UL) << (j & 63);
                outRow[w] = word;
            }
        }
    }

    private void DecideFirstLayerRow(int image, ReadOnlySpan<int> sums, Span<ulong> bits)
    {
        int n = sums.Length, words = BitLayout.WordsPerRow(n);
        for (int w = 0; w < words; w++)
        {
            int end = Math.Min(n, (w + 1) * 64);
            ulong word = 0;
            for (int j = w * 64; j < end; j++)
            {
                int s = sums[j];
                if (s >= _sureOne[j]) word |= 1UL << (j & 63);
                else if (s >= _sureMinusBelow[j]) _pending.Add((image, j)); // undecided: bit set later by ResolvePending
            }
            bits[w] = word;
        }
    }

    /// <summary>
    /// Recomputes the undecided units' float32 dot products with the SGEMM the training model uses, all of a chunk in
    /// one call over (images with undecided units) × (undecided units). Sgemm computes every output element with the
    /// same operation sequence whatever the matrix size (its determinism contract), so each value equals the training
    /// model's; the extra elements of the rectangle are computed and ignored.
    /// </summary>
    private void ResolvePending(ReadOnlySpan<byte> pixels, Span<ulong> bits, int n, int k)
    {
        if (_pending.Count == 0) return;
        // Reused scratch: position of each image / unit in the rectangle (−1 = absent), and the rectangle's operands.
        if (_rowOf.Length < _options.MaxBatch) _rowOf = new int[_options.MaxBatch];
        if (_unitOf.Length < n) _unitOf = new int[n];
        Array.Fill(_rowOf, -1);
        Array.Fill(_unitOf, -1);
        _rows.Clear();
        _units.Clear();
        foreach (var (image, unit) in _pending)
        {
            if (_rowOf[image] < 0) { _rowOf[image] = _rows.Count; _rows.Add(image); }
            if (_unitOf[unit] < 0) { _unitOf[unit] = _units.Count; _units.Add(unit); }
        }
        int r = _rows.Count, u = _units.Count;
        if (_replayInput.Length < r * k) _replayInput = new float[r * k];
        if (_replayWeights.Length < u * k) _replayWeights = new float[u * k];
        if (_replayOutput.Length < r * u) _replayOutput = new float[r * u];
        for (int i = 0; i < r; i++)
        {
            var image = pixels.Slice(_rows[i] * k, k);
            for (int t = 0; t < k; t++) _replayInput[i * k + t] = _table[image[t]];
        }
        int words = _first.WordsPerRow;
        for (int j = 0; j < u; j++)
            BitPacking.UnpackSigns(_first.Weights.AsSpan(_units[j] * words, words), 1, k, _replayWeights.AsSpan(j * k, k));
        Sgemm.Multiply(false, true, r, u, k, 1f, _replayInput.AsSpan(0, r * k), k, _replayWeights.AsSpan(0, u * k), k, 0f, _replayOutput.AsSpan(0, r * u), u, 1);
        int wordsOut = BitLayout.WordsPerRow(n);
        foreach (var (image, unit) in _pending)
        {
            _counters.Replays++;
            if (_replayOutput[_rowOf[image] * u + _unitOf[unit]] >= _first.Thresholds[unit])
                bits[image * wordsOut + (unit >> 6)] |= 1UL << (unit & 63);
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
