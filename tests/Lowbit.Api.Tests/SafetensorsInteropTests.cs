using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Lowbit.Cli;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Training.Interop;

namespace Lowbit.Api.Tests;

/// <summary>
/// Weights as safetensors: written by the library and by <c>lowbit export --format safetensors</c>, read back, loaded into
/// PyTorch under the same names (an independent parser in Python), and PyTorch's logits read back by the library.
/// </summary>
public sealed class SafetensorsInteropTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-st-" + Guid.NewGuid().ToString("N"));

    public SafetensorsInteropTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LowbitModel FloatMlp()
    {
        var r = new Random(11);
        var network = new Sequential(new Flatten(), new Linear(784, 32, bias: true, r), new BatchNorm1d(32), new Relu(), new Linear(32, 10, bias: true, r));
        var model = new LowbitModel(network, DataSource.Mnist() with { Validation = 100, TrainLimit = 400, TestLimit = 100 }, new TrainingOptions { Epochs = 1, Threads = 1, Name = "st" });
        return model;
    }

    [Fact]
    public void SaveSafetensors_LoadWeights_FromSafetensors_RoundTrip()
    {
        var model = FloatMlp();
        model.Fit(Path.Combine(_dir, "run"));
        string path = Path.Combine(_dir, "model.safetensors");
        model.SaveSafetensors(path);
        var file = Safetensors.Read(path);
        Assert.Equal(model.Network.StateDict().Keys.Order(StringComparer.Ordinal), file.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(model.Config.Json, file.Metadata[LowbitModel.ConfigMetadataKey]);

        var again = LowbitModel.FromSafetensors(path);
        Assert.Equal(model.Evaluate(), again.Evaluate());
        var fresh = FloatMlp();
        Assert.Empty(fresh.LoadWeights(path));
        Assert.Equal(model.Evaluate(), fresh.Evaluate());

        // lowbit export --format safetensors of the run's checkpoint writes the same tensors.
        string cli = Path.Combine(_dir, "cli.safetensors");
        var err = new StringWriter();
        Assert.True(CliApp.Run(["export", "--checkpoint", Path.Combine(_dir, "run", "checkpoint.lbck"), "--format", "safetensors", "--out", cli], new StringWriter(), err) == 0, err.ToString());
        var exported = Safetensors.Read(cli).Tensors;
        foreach (var (name, tensor) in file.Tensors) Assert.Equal(tensor.ToDoubleArray(), exported[name].ToDoubleArray());
    }

    [Fact]
    public void LoadWeights_MissingOrMisshapen_NamesTheTensor()
    {
        string path = Path.Combine(_dir, "partial.safetensors");
        Safetensors.Write(path, new Dictionary<string, Tensor> { ["1.weight"] = Tensor.Zeros(32, 784) });
        var e = Assert.Throws<InvalidDataException>(() => FloatMlp().LoadWeights(path));
        Assert.StartsWith("partial.safetensors: no tensor '1.bias' ([32]), which the network needs", e.Message);
        var state = FloatMlp().Network.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        state["4.weight"] = Tensor.Zeros(10, 31);
        Safetensors.Write(path, state);
        e = Assert.Throws<InvalidDataException>(() => FloatMlp().LoadWeights(path));
        Assert.Equal("partial.safetensors: tensor '4.weight' is [10, 31] but the network's is [10, 32].", e.Message);
    }

    [Fact]
    public void PyTorch_LoadsTheWeightsUnderTheSameNames_AndComputesTheSameLogits()
    {
        if (!TorchAvailable(out string why))
        {
            Console.WriteLine($"SKIPPED PyTorch interop: {why}");
            return;
        }
        var model = FloatMlp();
        model.Fit(Path.Combine(_dir, "run"));
        model.SaveSafetensors(Path.Combine(_dir, "model.safetensors"));
        var data = model.LoadData();
        int count = 16, size = data.Test.SampleSize;
        var table = data.Normalization.PixelTable(1);
        var pixels = new float[count * size];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = table[data.Test.Pixels[i]];
        var x = Tensor.FromArray(pixels, count, 1, 28, 28);
        Safetensors.Write(Path.Combine(_dir, "input.safetensors"), new Dictionary<string, Tensor> { ["x"] = x });

        var report = RunPython(Path.Combine(ScriptFolder(), "safetensors_torch.py"), _dir);
        using var keys = JsonDocument.Parse(report);
        // Nothing missing, nothing unexpected: PyTorch fills BatchNorm's num_batches_tracked itself for a state dict without it.
        Assert.Empty(keys.RootElement.GetProperty("missing").EnumerateArray());
        Assert.Empty(keys.RootElement.GetProperty("unexpected").EnumerateArray());

        model.Network.Eval();
        var expected = model.Network.Forward(x).ToDoubleArray();
        var actual = Safetensors.Read(Path.Combine(_dir, "output.safetensors")).Tensors["logits"];
        Assert.Equal([count, 10], actual.Shape);
        var got = actual.ToDoubleArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"logit {i}: Lowbit {expected[i]}, PyTorch {got[i]}");
    }

    private static string ScriptFolder([CallerFilePath] string source = "") => Path.GetDirectoryName(source)!;

    private static bool TorchAvailable(out string why)
    {
        try
        {
            RunPython("-c", "import torch, numpy");
            why = "";
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            why = e.Message;
            return false;
        }
    }

    private static string RunPython(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"python3 {string.Join(' ', args)} exited {process.ExitCode}: {error}");
        return output;
    }
}
