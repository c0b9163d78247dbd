using System.Runtime.CompilerServices;
using Lowbit.Data;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training.Checkpoints;
using Microsoft.ML.OnnxRuntime;

namespace Lowbit.Cli.Tests;

/// <summary><c>lowbit export --format onnx</c>: the file loads in ONNX Runtime and gives the checkpoint's classes; bad input is one line.</summary>
public class ExportOnnxCommandTests
{
    private static string RepoRoot([CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Train(string dir, params string[] sets)
    {
        var args = new List<string> { "train", "--quiet", "--out", dir, "--set", "data.path=" + Path.Combine(RepoRoot(), "data", "mnist"),
            "--set", "data.train_limit=300", "--set", "data.test_limit=200", "--set", "data.validation=100", "--set", "train.epochs=1" };
        foreach (var s in sets) args.AddRange(["--set", s]);
        var (code, _, err) = Run([.. args]);
        Assert.True(code == 0, err);
        return Path.Combine(dir, "checkpoint.lbck");
    }

    [Fact]
    public void ExportOnnx_BinaryNet_OnnxRuntimeGivesCheckpointClasses()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-cli-onnx-" + Guid.NewGuid().ToString("N"));
        string checkpoint = Train(dir, "layers.1.units=64", "layers.3.units=64", "layers.5.units=64");
        string onnxPath = Path.Combine(dir, "model.onnx");
        var (code, output, err) = Run("export", "--format", "onnx", "--checkpoint", checkpoint, "--out", onnxPath);
        Assert.True(code == 0, err);
        Assert.Contains("operators: ", output);
        Assert.Contains("Where 3", output);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        var (model, _, shape, _) = CheckpointModel.Load(checkpoint);
        model.Eval();
        var test = DatasetCatalog.LoadMnist(Path.Combine(RepoRoot(), "data", "mnist")).Test.Slice(0, 200);
        var inputs = NormalizationOptions.PlusMinusOne.ToFloatArray(test);
        int[] expected;
        using (GradMode.Disable()) expected = Tensor.ArgMaxLastDim(model.Forward(Tensor.FromArray(inputs, [200, .. shape])));
        using var session = new InferenceSession(onnxPath);
        Assert.Equal("plus_minus_one", session.ModelMetadata.CustomMetadataMap["lowbit.normalize"]);
        using var input = OrtValue.CreateTensorValueFromMemory(inputs, [200, .. shape.Select(d => (long)d)]);
        using var run = new RunOptions();
        using var results = session.Run(run, ["input"], [input], ["output"]);
        var logits = results[0].GetTensorDataAsSpan<float>().ToArray();
        for (int i = 0; i < 200; i++)
        {
            var row = logits.AsSpan(i * 10, 10);
            Assert.True(expected[i] == row.IndexOf(Max(row)), $"image {i}: Lowbit class {expected[i]}, ONNX Runtime {row.IndexOf(Max(row))}");
        }
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void ExportOnnx_ActivationQuantizerWithoutOnnxForm_OneLineExit1()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-cli-onnx-" + Guid.NewGuid().ToString("N"));
        string checkpoint = Train(dir, "layers.1.units=16", "layers.3.units=16", "layers.5.units=16",
            "layers.3.input_quantizer={\"type\": \"hbb\", \"mix\": \"1:0.5,2:0.5\", \"role\": \"activation\"}");
        string onnxPath = Path.Combine(dir, "model.onnx");
        var (code, _, err) = Run("export", "--format", "onnx", "--checkpoint", checkpoint, "--out", onnxPath);
        Assert.Equal(ExitCodes.UserError, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("cannot export", lines[0]);
        Assert.Contains("'3.input_quantizer': quantizer 'hbb' on activations", lines[0]);
        Assert.False(File.Exists(onnxPath));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Export_UnknownFormat_OneLineExit1()
    {
        var (code, _, err) = Run("export", "--format", "tflite", "--checkpoint", "x.lbck", "--out", "x.onnx");
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Contains("tflite", err);
    }

    private static float Max(ReadOnlySpan<float> v)
    {
        float m = v[0];
        foreach (float x in v) m = Math.Max(m, x);
        return m;
    }
}
