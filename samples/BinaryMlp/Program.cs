// A binarized MLP (BinaryNet: sign weights and sign activations, batch norm, latent weights clipped to [-1, 1]) built in
// C#, trained on the bundled MNIST, evaluated, saved, reloaded, exported to the bit-packed format, run with the XNOR
// kernels and summarised. Usage: dotnet run -- [OUT_DIR] [TRAIN_IMAGES]; the lowbit command reads every file it writes.
using Lowbit.Api;
using Lowbit.Inference.Runtime;
using Lowbit.Nn.Layers;
using Lowbit.Quantization;

string outDir = args.Length > 0 ? args[0] : "runs/sample-bnn";
int? trainImages = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : null;
var random = new Random(1);
var network = new Sequential(
    new Flatten(),
    new Linear(784, 256, bias: false, random, weightQuantizer: new SteSign()).ClipWeights(1), new BatchNorm1d(256, epsilon: 1e-4),
    new Linear(256, 256, bias: false, random, new SteSign(), new SteSign()).ClipWeights(1), new BatchNorm1d(256, epsilon: 1e-4),
    new Linear(256, 10, bias: false, random, new SteSign(), new SteSign()).ClipWeights(1), new BatchNorm1d(10, epsilon: 1e-4));
var data = DataSource.Mnist() with { TrainLimit = trainImages };
var model = new LowbitModel(network, data, new TrainingOptions { Name = "sample-bnn", Epochs = 1, Loss = "squared_hinge", LearningRate = 0.003 });
model.Fit(Path.Combine(outDir, "run"), new EpochLineObserver(Console.Out));
Console.WriteLine($"test accuracy {model.Evaluate().Accuracy:P2}");
model.Save(Path.Combine(outDir, "model.lbck"));
var loaded = LowbitModel.Load(Path.Combine(outDir, "model.lbck"));
var packed = loaded.Export(Path.Combine(outDir, "model.lbpm"));
var test = loaded.LoadData().Test;
int[] classes = new InferenceSession(packed).Predict(test.Pixels, test.Count);
Console.WriteLine($"packed model: {classes.Where((c, i) => c == test.Labels[i]).Count()} of {test.Count} test images right");
Console.WriteLine(loaded.Summary());
