namespace Lowbit.Hardware.Accelerators;

/// <summary>
/// Hardware units of one layer for one architecture (docs/COST-MODEL.md, section 11). Symbols: N weights, F fan-in,
/// S output positions, O = N / F output channels, B weight planes (B_max for heterogeneous weights), a activation
/// planes, P = Σ_j |A_j| weight-plane bits, M = B − 1 mask planes for heterogeneous weights (0 otherwise),
/// pe = min(PE, O), simd = min(SIMD, F), folds = ⌈O / pe⌉·⌈F / simd⌉, w = ⌈log2(F + 1)⌉ + B + a accumulator bits,
/// f = scale multiplications per output.
/// </summary>
internal readonly record struct DatapathUnits(
    long OutputChannels, long ProcessingElements, long SimdLanes,
    long ProductGates, long PopcountInputs, long AdderBits, long ScaleMultipliers, long FloatMultipliers, long FloatAdders,
    long StoredWeightBits, long MemoryWidthBitsPerPe, long CyclesPerSample,
    long AccumulateAdds, int AccumulatorWidthBits, long WeightBitsReadPerSample)
{
    public static DatapathUnits Of(LayerCostInput layer, LayerCostRow row, AcceleratorOptions options)
    {
        if (layer.Macs == 0)
        {
            return default;
        }

        if (layer.Weights % layer.FanIn != 0)
        {
            throw new ArgumentException($"Layer '{layer.Name}': Weights = {layer.Weights} is not a multiple of FanIn = {layer.FanIn}; the accelerator estimate needs whole output channels.", nameof(layer));
        }

        var shape = new Shape(layer, row, options);
        return row.Datapath switch
        {
            Datapath.Binary or Datapath.Integer => options.Architecture switch
            {
                AcceleratorArchitecture.Unrolled => shape.UnrolledPlanes(),
                AcceleratorArchitecture.Folded => shape.FoldedPlanes(),
                _ => shape.BitSerialPlanes(),
            },
            Datapath.SignFlip => shape.SignFlip(options.Architecture == AcceleratorArchitecture.Unrolled),
            _ => shape.FloatMacs(options.Architecture == AcceleratorArchitecture.Unrolled),
        };
    }

    /// <summary>The layer's dimensions under one architecture.</summary>
    private readonly struct Shape
    {
        private readonly long _n, _f, _s, _o, _pe, _simd, _p, _scalesPerOutput;
        private readonly int _b, _a, _m, _w;

        public Shape(LayerCostInput layer, LayerCostRow row, AcceleratorOptions options)
        {
            bool unrolled = options.Architecture == AcceleratorArchitecture.Unrolled;
            (_n, _f, _s) = (layer.Weights, layer.FanIn, layer.OutputPositions);
            _o = _n / _f;
            _pe = unrolled ? _o : Math.Min(options.ProcessingElements, _o);
            _simd = unrolled ? _f : Math.Min(options.SimdLanes, _f);
            _p = row.PayloadBits;
            _b = layer.WeightEncoding.Bits;
            _a = layer.ActivationEncoding.Bits;
            _m = layer.WeightEncoding.Kind == QuantizationKind.Heterogeneous ? _b - 1 : 0;
            _w = CostModel.CeilingLog2(_f + 1) + _b + _a;
            _scalesPerOutput = CostModel.ScaleMultiplicationsPerOutput(layer);
        }

        private long Lanes => _pe * _simd;

        private long InputFolds => AcceleratorEstimator.CeilDiv(_f, _simd);

        private long Folds => AcceleratorEstimator.CeilDiv(_o, _pe) * InputFolds;

        private long PlanePairs => (long)_b * _a;

        private long DenseStoredBits => checked((_b + _m) * _n);

        /// <summary>Hardwired weights: products with constant bits are wires or inverters; P·a popcount inputs; O·(B·a − 1) combining adders.</summary>
        public DatapathUnits UnrolledPlanes() => Units(
            gates: 0, popcount: checked(_p * _a), adderBits: checked(_o * (PlanePairs - 1) * _w), scales: _o * _scalesPerOutput,
            floatMul: 0, floatAdd: 0, stored: 0, width: 0, cycles: _s,
            adds: checked(_s * _o * (PlanePairs - 1)), reads: 0);

        /// <summary>PE × SIMD lanes, each with (B + M)·a gates and B·a popcount inputs; per PE B·a accumulators + B·a − 1 combining adders.</summary>
        public DatapathUnits FoldedPlanes() => Units(
            gates: checked(Lanes * (_b + _m) * _a), popcount: checked(Lanes * PlanePairs), adderBits: checked(_pe * (2 * PlanePairs - 1) * _w),
            scales: _pe * _scalesPerOutput, floatMul: 0, floatAdd: 0, stored: DenseStoredBits, width: _simd * (_b + _m), cycles: checked(_s * Folds),
            adds: checked(_s * _o * (InputFolds * PlanePairs + PlanePairs - 1)), reads: checked(_s * DenseStoredBits));

        /// <summary>PE × SIMD one-bit lanes (+ a mask gate for heterogeneous weights), one shift-accumulator per PE, B·a passes.</summary>
        public DatapathUnits BitSerialPlanes() => Units(
            gates: checked(Lanes * (_m > 0 ? 2 : 1)), popcount: Lanes, adderBits: checked(_pe * _w),
            scales: _scalesPerOutput > 0 ? _pe : 0, floatMul: 0, floatAdd: 0, stored: DenseStoredBits, width: _simd * (_m > 0 ? 2 : 1),
            cycles: checked(_s * Folds * PlanePairs), adds: checked(_s * _o * InputFolds * PlanePairs), reads: checked(_s * _a * DenseStoredBits));

        /// <summary>±1 weight planes × float inputs: one float adder per active weight bit (unrolled) or per plane and lane (folded).</summary>
        public DatapathUnits SignFlip(bool unrolled) => unrolled
            ? Units(gates: 0, popcount: 0, adderBits: 0, scales: _o * _scalesPerOutput, floatMul: 0, floatAdd: _p, stored: 0, width: 0, cycles: _s, adds: 0, reads: 0)
            : Units(gates: checked(Lanes * _m), popcount: 0, adderBits: 0, scales: _pe * _scalesPerOutput, floatMul: 0, floatAdd: checked(Lanes * _b),
                stored: DenseStoredBits, width: _simd * (_b + _m), cycles: checked(_s * Folds), adds: 0, reads: checked(_s * DenseStoredBits));

        /// <summary>Float multiply-add lanes: one per weight (unrolled) or per PE × SIMD lane; weights stored with their own bits.</summary>
        public DatapathUnits FloatMacs(bool unrolled) => unrolled
            ? Units(gates: 0, popcount: 0, adderBits: 0, scales: _o * _scalesPerOutput, floatMul: _n, floatAdd: _n, stored: 0, width: 0, cycles: _s, adds: 0, reads: 0)
            : Units(gates: 0, popcount: 0, adderBits: 0, scales: _pe * _scalesPerOutput, floatMul: Lanes, floatAdd: Lanes,
                stored: _p, width: _simd * _b, cycles: checked(_s * Folds), adds: 0, reads: checked(_s * _p));

        private DatapathUnits Units(long gates, long popcount, long adderBits, long scales, long floatMul, long floatAdd, long stored, long width, long cycles, long adds, long reads) =>
            new(_o, _pe, _simd, gates, popcount, adderBits, scales, floatMul, floatAdd, stored, width, cycles, adds, _w, reads);
    }
}
