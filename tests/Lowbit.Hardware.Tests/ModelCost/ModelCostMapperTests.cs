using Lowbit.Hardware.ModelCost;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;

namespace Lowbit.Hardware.Tests.ModelCost;

public sealed class ModelCostMapperTests
{
    private const int Hidden = 1024;

    /// <summary>configs/mnist-binarynet.json built by hand: flatten, then 4 × (dense without bias, BN); ste_sign weights everywhere, ste_sign inputs from the second dense on.</summary>
    internal static Sequential BinaryNetMlp()
    {
        var random = new Random(1);
        var sign = () => new SteSign();
        return new Sequential(
            new Flatten(),
            new Linear(784, Hidden, bias: false, random, inputQuantizer: null, weightQuantizer: sign()),
            new BatchNorm(Hidden, spatial: false, epsilon: 1e-4),
            new Linear(Hidden, Hidden, bias: false, random, sign(), sign()),
            new BatchNorm(Hidden, spatial: false, epsilon: 1e-4),
            new Linear(Hidden, Hidden, bias: false, random, sign(), sign()),
            new BatchNorm(Hidden, spatial: false, epsilon: 1e-4),
            new Linear(Hidden, 10, bias: false, random, sign(), sign()),
            new BatchNorm(10, spatial: false, epsilon: 1e-4));
    }

    [Fact]
    public void FromModel_BinaryNetMlp_RowsAndEncodingsMatchConfig()
    {
        var network = ModelCostMapper.FromModel(BinaryNetMlp(), [1, 28, 28], "mnist-binarynet");

        Assert.Equal("mnist-binarynet", network.Name);
        Assert.Equal(784, network.InputElements);
        Assert.Equal(32, network.InputBits);
        // Flatten (module 0) is a view and gets no row.
        Assert.Equal(["1:Linear", "2:BatchNorm", "3:Linear", "4:BatchNorm", "5:Linear", "6:BatchNorm", "7:Linear", "8:BatchNorm"],
            network.Layers.Select(l => l.Name).ToArray());
        Assert.Equal(OperandEncoding.Float32, network.Layers[0].ActivationEncoding); // real-valued pixels into the first layer
        foreach (int i in new[] { 0, 2, 4, 6 })
        {
            Assert.Equal(OperandEncoding.Binary, network.Layers[i].WeightEncoding);
            Assert.Equal(0, network.Layers[i].OtherFloatParameters); // "bias": false
        }

        foreach (int i in new[] { 2, 4, 6 })
        {
            Assert.Equal(OperandEncoding.Binary, network.Layers[i].ActivationEncoding);
        }

        Assert.Equal(4L * Hidden, network.Layers[1].OtherFloatParameters); // γ, β, running mean, running variance
        Assert.Equal(4L * 10, network.Layers[7].OtherFloatParameters);
        Assert.Equal([Hidden, Hidden, Hidden, Hidden, Hidden, Hidden, 10, 10], network.Layers.Select(l => l.OutputElements).ToArray());
    }

    [Fact]
    public void Estimate_BinaryNetMlp_TotalsMatchHandCounts()
    {
        var report = CostModel.Estimate(ModelCostMapper.FromModel(BinaryNetMlp(), [1, 28, 28], "mnist-binarynet"));
        var totals = report.Totals;

        const long weights = 784 * 1024 + 2 * 1024 * 1024 + 1024 * 10; // 802,816 + 2,097,152 + 10,240
        Assert.Equal(2_910_208, weights);
        Assert.Equal(weights, totals.Weights);
        Assert.Equal(weights, totals.PayloadBits);                        // one bit per weight
        Assert.Equal(weights, totals.Macs);                               // per example
        Assert.Equal(0, totals.MetadataBits);
        const long bnParameters = 4 * (3 * 1024 + 10);                    // 12,328
        Assert.Equal(32 * bnParameters, totals.OtherFloatBits);           // 394,496
        Assert.Equal(weights + 32 * bnParameters, totals.TotalBits);      // 3,304,704
        // first layer: ±1 weights × float pixels count 32 activation planes; the others 1 × 1
        Assert.Equal(802_816.0 * 32 + 2 * 1024 * 1024 + 1024 * 10, totals.Bops);
        Assert.Equal(Datapath.SignFlip, report.Layers[0].Datapath);
        Assert.Equal(Datapath.Binary, report.Layers[2].Datapath);
    }

    [Fact]
    public void Describe_BinaryNetMlp_ParametersByBitsAndShapes()
    {
        var description = ModelCostMapper.Describe(BinaryNetMlp(), [1, 28, 28], "mnist-binarynet");

        Assert.Equal([new KeyValuePair<int, long>(1, 802_816)], description.Layers[0].ParametersByBits);
        Assert.Equal([new KeyValuePair<int, long>(32, 4096)], description.Layers[1].ParametersByBits);
        Assert.Equal([10], description.Layers[7].OutputShape);
        Assert.Equal("Linear(784 → 1024, w: ste_sign)", description.Layers[0].Description);
    }

    /// <summary>
    /// [1,28,28] → conv 1→8 k3 (float, bias) [8,26,26] → BN2d → sign [8,26,26] → max-pool 2 [8,13,13]
    /// → conv 8→16 k3 s2 p1, 2-bit DoReFa weights, no input quantizer (binary from the sign through the max-pool) [16,7,7]
    /// → avg-pool 7 [16,1,1] → flatten [16] → dense 16→10 (±1 weights, 2-bit DoReFa inputs, bias).
    /// </summary>
    internal static Sequential SmallConvNet()
    {
        var random = new Random(2);
        return new Sequential(
            new Conv2d(1, 8, kernelSize: 3, stride: 1, padding: 0, bias: true, random),
            new BatchNorm(8, spatial: true),
            new QuantActivation(new SteSign()),
            new MaxPool2d(2),
            new Conv2d(8, 16, kernelSize: 3, stride: 2, padding: 1, bias: false, random, inputQuantizer: null, weightQuantizer: new DoReFaWeight(2)),
            new AvgPool2d(7),
            new Flatten(),
            new Linear(16, 10, bias: true, random, new DoReFaActivation(2), new SteSign()));
    }

    [Fact]
    public void Describe_SmallConvNet_ShapesAndCountsMatchHandCounts()
    {
        var description = ModelCostMapper.Describe(SmallConvNet(), [1, 28, 28], "conv");
        var layers = description.Network.Layers;

        Assert.Equal(["0:Conv2d", "1:BatchNorm", "2:QuantActivation", "3:MaxPool2d", "4:Conv2d", "5:AvgPool2d", "7:Linear"], layers.Select(l => l.Name).ToArray());
        int[][] shapes = [[8, 26, 26], [8, 26, 26], [8, 26, 26], [8, 13, 13], [16, 7, 7], [16, 1, 1], [10]];
        Assert.Equal(shapes, description.Layers.Select(l => l.OutputShape.ToArray()).ToArray());

        // conv1: N = 8·1·3·3 = 72, S = 26·26 = 676, MACs = 48,672; float weights and pixels
        Assert.Equal((72L, 676L, 48_672L, 9L), (layers[0].Weights, layers[0].OutputPositions, layers[0].Macs, layers[0].FanIn));
        Assert.Equal(OperandEncoding.Float32, layers[0].WeightEncoding);
        Assert.Equal([new KeyValuePair<int, long>(32, 72 + 8)], description.Layers[0].ParametersByBits);
        Assert.Equal(4L * 8, layers[1].OtherFloatParameters);
        Assert.Equal(5_408, layers[1].OutputElements);                     // 8·26·26
        Assert.Equal((5_408L, 1.0), (layers[2].OutputElements, layers[2].OutputBits)); // stored as signs
        Assert.Equal((1_352L, 1.0), (layers[3].OutputElements, layers[3].OutputBits)); // max of signs is a sign

        // conv2: N = 16·8·3·3 = 1,152, S = 7·7 = 49, MACs = 56,448, fan-in 72; 2-bit weights × binary activations
        Assert.Equal((1_152L, 49L, 56_448L, 72L), (layers[4].Weights, layers[4].OutputPositions, layers[4].Macs, layers[4].FanIn));
        Assert.Equal(OperandEncoding.Uniform(2), layers[4].WeightEncoding);
        Assert.Equal(OperandEncoding.Binary, layers[4].ActivationEncoding);
        Assert.Equal((16L, 32.0), (layers[5].OutputElements, layers[5].OutputBits)); // averages are real

        // dense: N = MACs = 160, ±1 weights × 2-bit inputs, 10 float biases
        Assert.Equal((160L, 160L), (layers[6].Weights, layers[6].Macs));
        Assert.Equal((OperandEncoding.Binary, OperandEncoding.Uniform(2)), (layers[6].WeightEncoding, layers[6].ActivationEncoding));
        Assert.Equal([new KeyValuePair<int, long>(1, 160), new KeyValuePair<int, long>(32, 10)], description.Layers[6].ParametersByBits);

        var report = CostModel.Estimate(description.Network);
        Assert.Equal(48_672 + 56_448 + 160, report.Totals.Macs);
        Assert.Equal(56_448.0 * 2 * 1, report.Layers[4].Bops);
        Assert.Equal(160.0 * 1 * 2, report.Layers[6].Bops);
    }

    [Fact]
    public void Describe_NoQuantActivationBeforeLayer_UsesFloatActivations()
    {
        var random = new Random(3);
        var model = new Sequential(
            new QuantActivation(new SteSign()),
            new Relu(),                                           // level-preserving: still binary
            new Linear(4, 3, bias: false, random, null, new SteSign()),
            new Linear(3, 2, bias: false, random, null, new SteSign())); // after a float-computing layer: float

        var layers = ModelCostMapper.FromModel(model, [4], "m").Layers;

        Assert.Equal(OperandEncoding.Binary, layers[2].ActivationEncoding);
        Assert.Equal(OperandEncoding.Float32, layers[3].ActivationEncoding);
    }

    [Fact]
    public void Describe_HeterogeneousWeights_CountsFromCostInfo()
    {
        var random = new Random(4);
        var model = new Sequential(new Linear(10, 100, bias: false, random, new SteSign(), new FakeHeterogeneous()));

        var description = ModelCostMapper.Describe(model, [10], "het");
        var layer = description.Network.Layers[0];

        Assert.Equal(OperandEncoding.Heterogeneous(3), layer.WeightEncoding);
        Assert.Equal([1000L, 300L, 100L], layer.ActiveWeightsPerLevel);
        Assert.Equal(3, layer.ScaleCount);
        // 700 weights with 1 bit, 200 with 2, 100 with 3; three μ_j at 32 bits
        Assert.Equal(
            [new KeyValuePair<int, long>(1, 700), new KeyValuePair<int, long>(2, 200), new KeyValuePair<int, long>(3, 100), new KeyValuePair<int, long>(32, 3)],
            description.Layers[0].ParametersByBits);
        var row = CostModel.Estimate(description.Network).Layers[0];
        Assert.Equal(1_400, row.PayloadBits);     // 1000 + 300 + 100
        Assert.Equal(1_300, row.MetadataBits);    // nested masks: 1000 + 300
        Assert.Equal(1.4, row.AverageWeightBits, 12);
    }

    [Fact]
    public void Describe_ResidualCostInfo_MapsToResidualPlanes()
    {
        var model = new Sequential(new Linear(8, 2, bias: false, new Random(5), null, new FakeHeterogeneous(heterogeneous: false)));

        var layer = ModelCostMapper.FromModel(model, [8], "res").Layers[0];

        Assert.Equal(OperandEncoding.Residual(3), layer.WeightEncoding);
        Assert.Null(layer.ActiveWeightsPerLevel);
    }

    [Fact]
    public void Describe_ResidualBinarizer_MapsToResidualPlanesWithOneMeanPerPlane()
    {
        var model = new Sequential(new Linear(8, 2, bias: false, new Random(10),
            new Quantization.MixedPrecision.ResidualBinarizer(2, "activation"), new Quantization.MixedPrecision.ResidualBinarizer(3)));

        var layer = ModelCostMapper.FromModel(model, [8], "res").Layers[0];

        Assert.Equal((OperandEncoding.Residual(3), OperandEncoding.Residual(2)), (layer.WeightEncoding, layer.ActivationEncoding));
        Assert.Equal(3, layer.ScaleCount);
    }

    [Fact]
    public void Describe_LearnedQuantizerParameters_AreCounted()
    {
        // PACT's α on the input is a float parameter of the layer; LSQ's step on the weights is its scale.
        var model = new Sequential(new Linear(8, 2, bias: true, new Random(6), new Pact(4), new LsqQuantizer(3)));

        var layer = ModelCostMapper.FromModel(model, [8], "learned").Layers[0];

        Assert.Equal((OperandEncoding.Uniform(3), OperandEncoding.Uniform(4)), (layer.WeightEncoding, layer.ActivationEncoding));
        Assert.Equal(1, layer.ScaleCount);
        Assert.Equal(2 + 1, layer.OtherFloatParameters);
    }

    [Fact]
    public void Describe_EvalIdentityQuantizers_MapToFloat()
    {
        var model = new Sequential(new Linear(8, 2, bias: false, new Random(7), new PowerOfTwoBackprop(), new BinaryConnectStochastic()));

        var layer = ModelCostMapper.FromModel(model, [8], "bc").Layers[0];

        Assert.Equal((OperandEncoding.Float32, OperandEncoding.Float32), (layer.WeightEncoding, layer.ActivationEncoding));
    }

    [Fact]
    public void Describe_FractionalBitWidthWithoutCostInfo_ThrowsNamingLayerAndQuantizer()
    {
        var model = new Sequential(new Flatten(), new Linear(4, 2, bias: false, new Random(8), null, new FractionalOnly()));

        var e = Assert.Throws<ArgumentException>(() => ModelCostMapper.FromModel(model, [4], "m"));

        Assert.Contains("1:Linear", e.Message);
        Assert.Contains("fractional bit width 1.5", e.Message);
        Assert.Contains(nameof(ICostInfo), e.Message);
    }

    [Fact]
    public void Describe_ShapeMismatch_ThrowsNamingLayer()
    {
        var model = new Sequential(new Linear(5, 2, bias: false, new Random(9)));

        var e = Assert.Throws<ArgumentException>(() => ModelCostMapper.FromModel(model, [4], "m"));

        Assert.StartsWith("Layer 0:Linear: Linear(5 → 2) expects input [5]", e.Message);
    }

    [Fact]
    public void Describe_NestedSequential_WalksIntoChildrenWithDottedNames()
    {
        var model = new Sequential(new Sequential(new Linear(4, 3, bias: true, new Random(1)), new Relu()), new Linear(3, 2, bias: false, new Random(2)));

        var d = ModelCostMapper.Describe(model, [4], "m");

        Assert.Equal(["0.0:Linear", "0.1:Relu", "1:Linear"], d.Network.Layers.Select(r => r.Name).ToArray());
        Assert.Equal([12L, 0L, 6L], d.Network.Layers.Select(r => r.Macs).ToArray());
    }

    /// <summary>Test double: a 3-plane residual quantizer whose bit map gives 30 % of weights ≥ 2 planes and 10 % 3 planes.</summary>
    private sealed class FakeHeterogeneous(bool heterogeneous = true) : Quantizer, ICostInfo
    {
        public override string Name => "fake_het";

        public override double BitWidth => heterogeneous ? 1.4 : 3;

        public int MaxPlanes => 3;

        public bool Heterogeneous => heterogeneous;

        public override Tensors.Tensor Quantize(Tensors.Tensor x, QuantizerContext context) => x;

        public IReadOnlyList<long>? ActivePerLevel(Tensors.Tensor latent) =>
            heterogeneous ? [latent.Length, latent.Length * 3 / 10, latent.Length / 10] : null;

        public int ScaleCount(Tensors.Tensor latent) => MaxPlanes;
    }

    private sealed class FractionalOnly : Quantizer
    {
        public override string Name => "fractional_only";

        public override double BitWidth => 1.5;

        public override Tensors.Tensor Quantize(Tensors.Tensor x, QuantizerContext context) => x;
    }
}
