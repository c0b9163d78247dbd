using System.Diagnostics;
using System.Numerics.Tensors;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// The k-bit code chain (<see cref="PlaneThresholdDenseLayer"/>s, then a <see cref="PlaneOutputDenseLayer"/>) run on
/// one chunk of images: exact integer code products by bit-serial AND-popcount, decisions by a rigorous float bound,
/// float32 replays of the model's own SGEMM where the bound cannot decide.
/// </summary>
/// <remarks>
/// Per layer with weight levels w = W[c] ≈ αw·c + βw and input levels x = X[a] ≈ αx·a + βx (affine fits through the
/// end points, max deviations δw, δx), the integers P_ij = Σ_t c_jt·a_it (<see cref="BitSerialGemm.Multiply"/>),
/// C_j = Σ_t c_jt and A_i = Σ_t a_it give y_e = αwαx·P + αwβx·C_j + βwαx·A_i + N·βwβx, and the model's float32
/// y satisfies |y − y_e| ≤ γ_N·max|w|·Σ_t|x_t| + δw·Σ_t|x_t| + max|ŵ|·N·δx (Higham §4.2: any summation order,
/// products rounded or fused; ŵ the fitted levels), plus a slack for the double arithmetic. A unit's code is decided
/// when every threshold lies outside y_e ± bound; otherwise its y is recomputed in Sgemm's operation order on the
/// float32 levels (<see cref="SgemmDotEmulation"/>, or <see cref="Sgemm"/> itself: same per-element operation order
/// as the model's forward at any matrix size, its determinism contract). The output layer's y is always computed that way (its logits are the model's float32 outputs), and
/// its integer products P are returned as the integer outputs.
/// </remarks>
internal sealed class PlaneRunner : IChunkRunner
{
    private readonly InferenceOptions _options;
    private readonly RunCounters _counters;
    private readonly PackedModel _model;
    private readonly LayerPlan[] _plans;
    private readonly int _widest;
    private byte[] _codesA = [], _codesB = [];
    private ulong[] _planes = [];
    private long[] _products = [];
    private double[] _inputSums = [], _inputAbs = [];
    private float[] _inputFloat = [], _outputFloat = [], _replayWeights = [];
    private readonly List<int> _pendingUnits = [];
    private readonly SgemmDotEmulation?[] _dots;

    public PlaneRunner(PackedModel model, InferenceOptions options, RunCounters counters)
    {
        _model = model;
        _options = options;
        _counters = counters;
        _plans = model.Layers.Select(l => new LayerPlan((PlaneDenseLayer)l)).ToArray();
        _widest = model.Layers.Max(l => Math.Max(l.InFeatures, l.OutFeatures));
        _dots = model.Layers.Select(l => SgemmDotEmulation.Create(l.InFeatures)).ToArray();
    }

    public void EnsureScratch(int m)
    {
        int widest = m * _widest;
        if (_codesA.Length < widest)
        {
            _codesA = new byte[widest];
            _codesB = new byte[widest];
            _inputFloat = new float[widest];
        }
        int words = _model.Layers.Max(l => l.WordsPerRow);
        int planes = m * PlaneDenseLayer.MaxBits * words;
        if (_planes.Length < planes) _planes = new ulong[planes];
        int outputs = m * _model.Layers.Max(l => l.OutFeatures);
        if (_products.Length < outputs)
        {
            _products = new long[outputs];
            _outputFloat = new float[outputs];
        }
        if (_inputSums.Length < m)
        {
            _inputSums = new double[m];
            _inputAbs = new double[m];
        }
    }

    public void RunChunk(ReadOnlySpan<byte> pixels, int m, Span<int> classes, Span<int> dotsOut, Span<float> logitsOut)
    {
        long t0 = Stopwatch.GetTimestamp();
        ReadOnlySpan<byte> codes = pixels;
        byte[] spare = _codesA, other = _codesB;
        for (int l = 0; l < _plans.Length; l++)
        {
            var plan = _plans[l];
            var layer = plan.Layer;
            int n = layer.InFeatures, units = layer.OutFeatures;
            var products = _products.AsSpan(0, m * units);
            Products(plan, codes, m, products);
            InputSums(plan, codes, m);
            if (layer is PlaneThresholdDenseLayer hidden)
            {
                var outCodes = spare.AsSpan(0, m * units);
                for (int i = 0; i < m; i++) DecideRow(plan, hidden, i, codes, products.Slice(i * units, units), outCodes.Slice(i * units, units));
                codes = outCodes;
                (spare, other) = (other, spare);
            }
            else
            {
                Output(plan, (PlaneOutputDenseLayer)layer, codes, m, products, classes, dotsOut, logitsOut);
            }
            t0 = Lap(l, t0);
        }
    }

    private long Lap(int layer, long since)
    {
        long now = Stopwatch.GetTimestamp();
        _counters.LayerTicks[layer] += now - since;
        return now;
    }

    /// <summary>P = Σ_t c_jt·a_it for every image and unit, by bit-serial AND-popcount on the code planes.</summary>
    private void Products(LayerPlan plan, ReadOnlySpan<byte> codes, int m, Span<long> products)
    {
        var layer = plan.Layer;
        int n = layer.InFeatures, k = layer.InputBits;
        var planes = _planes.AsSpan(0, m * k * layer.WordsPerRow);
        BitPacking.PackBitPlanes(codes.Slice(0, m * n), m, n, k, planes);
        BitSerialGemm.Multiply(planes, k, layer.Weights, layer.WeightBits, m, layer.OutFeatures, n, products, _options.Threads);
    }

    /// <summary>A_i = Σ_t a_it and Σ_t |x_it| per image.</summary>
    private void InputSums(LayerPlan plan, ReadOnlySpan<byte> codes, int m)
    {
        int n = plan.Layer.InFeatures;
        for (int i = 0; i < m; i++)
        {
            long sum = 0;
            double abs = 0;
            foreach (byte a in codes.Slice(i * n, n))
            {
                sum += a;
                abs += plan.AbsInputLevels[a];
            }
            _inputSums[i] = sum;
            _inputAbs[i] = abs;
        }
    }

    private void DecideRow(LayerPlan plan, PlaneThresholdDenseLayer layer, int image, ReadOnlySpan<byte> codes, ReadOnlySpan<long> products, Span<byte> outCodes)
    {
        int levels = layer.ThresholdsPerUnit;
        double inputTerm = plan.InputCoefficient * _inputSums[image];
        double bound = plan.Bound(_inputAbs[image]);
        var thresholds = layer.Thresholds;
        _pendingUnits.Clear();
        for (int j = 0; j < products.Length; j++)
        {
            double y = plan.ProductCoefficient * products[j] + plan.UnitOffset[j] + inputTerm;
            double z = layer.Negated[j] ? -y : y;
            double slack = bound + 1e-12 * Math.Abs(y);
            double lo = z - slack, hi = z + slack;
            // Thresholds are sorted: code = #{τ ≤ lo}; undecided iff some τ lies in (lo, hi] (NaN: undecided).
            // Branch-free: the codes are data-dependent and mispredicted branches dominated this loop.
            int code = 0, near = 0;
            var unit = thresholds.AsSpan(j * levels, levels);
            for (int l = 0; l < unit.Length; l++)
            {
                double t = unit[l];
                code += lo >= t ? 1 : 0;
                near |= !(lo >= t) & !(hi < t) ? 1 : 0;
            }
            if (near != 0) _pendingUnits.Add(j);
            outCodes[j] = (byte)code;
        }
        if (_pendingUnits.Count > 0) Replay(plan, layer, codes.Slice(image * layer.InFeatures, layer.InFeatures), outCodes);
    }

    /// <summary>Recomputes the pending units' float32 dot products for one image with the model's SGEMM and decides them exactly.</summary>
    private void Replay(LayerPlan plan, PlaneThresholdDenseLayer layer, ReadOnlySpan<byte> codes, Span<byte> outCodes)
    {
        ThresholdReplay.Decide(layer.InputLevels, codes[..layer.InFeatures], plan.WeightsFloat, _dots[Array.IndexOf(_plans, plan)], _pendingUnits,
            layer.Thresholds, layer.Negated, layer.ThresholdsPerUnit, _inputFloat, _outputFloat, ref _replayWeights, outCodes);
        _counters.Replays += _pendingUnits.Count;
    }

    private void Output(LayerPlan plan, PlaneOutputDenseLayer layer, ReadOnlySpan<byte> codes, int m, ReadOnlySpan<long> products,
        Span<int> classes, Span<int> dotsOut, Span<float> logitsOut)
    {
        var logits = ThresholdReplay.OutputLogits(layer.InputLevels, codes, m, layer.InFeatures, layer.OutFeatures, plan.WeightsFloat, layer.Bias, layer.Scale, layer.Shift,
            _inputFloat, _outputFloat, classes);
        int c = layer.OutFeatures;
        if (!dotsOut.IsEmpty) for (int i = 0; i < m * c; i++) dotsOut[i] = (int)products[i]; // fits: PlaneDenseLayer bounds the products by int.MaxValue
        if (!logitsOut.IsEmpty) logits.CopyTo(logitsOut);
    }

    /// <summary>Per-layer constants of the integer reconstruction and its error bound (see the type remarks).</summary>
    private sealed class LayerPlan
    {
        public LayerPlan(PlaneDenseLayer layer)
        {
            Layer = layer;
            int n = layer.InFeatures, units = layer.OutFeatures;
            var (aw, bw, dw, maxW, maxFitW) = Fit(layer.WeightLevels);
            var (ax, bx, dx, _, _) = Fit(layer.InputLevels);
            ProductCoefficient = aw * ax;
            InputCoefficient = bw * ax;
            AbsInputLevels = layer.InputLevels.Select(v => Math.Abs((double)v)).ToArray();
            WeightsFloat = new float[units * n];
            UnitOffset = new double[units];
            var weightCodes = new int[units * n];
            BitPacking.UnpackBitPlanes(layer.Weights, units, n, layer.WeightBits, weightCodes);
            for (int j = 0; j < units; j++)
            {
                long codeSum = 0;
                for (int t = 0; t < n; t++)
                {
                    int code = weightCodes[j * n + t];
                    codeSum += code;
                    WeightsFloat[j * n + t] = layer.WeightLevels[code];
                }
                UnitOffset[j] = aw * bx * codeSum + n * bw * bx;
            }
            _perAbsInput = (FirstLayerBound.Gamma(n + 1) * maxW + dw) * 1.01 + 1e-9 * maxW;
            _constant = maxFitW * n * dx * 1.01 + 1e-9;
        }

        private readonly double _perAbsInput, _constant;

        public PlaneDenseLayer Layer { get; }

        /// <summary>αw·αx: the coefficient of P.</summary>
        public double ProductCoefficient { get; }

        /// <summary>βw·αx: the coefficient of A_i.</summary>
        public double InputCoefficient { get; }

        /// <summary>αw·βx·C_j + N·βw·βx per unit.</summary>
        public double[] UnitOffset { get; }

        /// <summary>|X[a]| per input code.</summary>
        public double[] AbsInputLevels { get; }

        /// <summary>The float32 weights [units, N] (for replays and the output layer).</summary>
        public float[] WeightsFloat { get; }

        /// <summary>The bound on |y − y_e| for an image with Σ_t |x_t| = <paramref name="absInputSum"/>.</summary>
        public double Bound(double absInputSum) => _perAbsInput * absInputSum + _constant;

        /// <summary>Affine fit v ≈ α·c + β through the end points; max deviation, max |v|, max |fit|.</summary>
        private static (double Alpha, double Beta, double Deviation, double MaxAbs, double MaxAbsFit) Fit(float[] levels)
        {
            int top = levels.Length - 1;
            double alpha = ((double)levels[top] - levels[0]) / top, beta = levels[0];
            double deviation = 0, maxAbs = 0, maxFit = 0;
            for (int c = 0; c <= top; c++)
            {
                double fit = alpha * c + beta;
                deviation = Math.Max(deviation, Math.Abs(levels[c] - fit));
                maxAbs = Math.Max(maxAbs, Math.Abs((double)levels[c]));
                maxFit = Math.Max(maxFit, Math.Abs(fit));
            }
            return (alpha, beta, deviation, maxAbs, maxFit);
        }
    }
}
