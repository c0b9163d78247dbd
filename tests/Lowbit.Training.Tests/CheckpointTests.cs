using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training.Tests;

public class CheckpointTests
{
    private static string TempFile() => Path.Combine(Path.GetTempPath(), "lowbit-ck-" + Guid.NewGuid().ToString("N") + ".lbck");

    private static CheckpointData Sample() => new("{\"a\":1}",
        new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray(new float[] { 1, -2, 3.5f }, 3), ["s"] = Tensor.FromArray(new double[] { Math.PI }, 1, 1) },
        new Dictionary<string, Tensor> { ["step"] = Tensor.Scalar(7, DType.Float64) });

    [Fact]
    public void SaveLoad_RoundTrip()
    {
        var path = TempFile();
        Checkpoint.Save(path, Sample());
        var back = Checkpoint.Load(path);
        Assert.Equal("{\"a\":1}", back.Header);
        Assert.Equal(new float[] { 1, -2, 3.5f }, back.Model["w"].ToArray());
        Assert.Equal(Math.PI, back.Model["s"].Item());
        Assert.Equal(new[] { 1, 1 }, back.Model["s"].Shape);
        Assert.Equal(7.0, back.Optimizer["step"].Item());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "*.tmp"));
        File.Delete(path);
    }

    [Fact]
    public void Load_CorruptedTruncatedWrongMagicOrVersion_AreClearErrors()
    {
        var path = TempFile();
        Checkpoint.Save(path, Sample());
        var good = File.ReadAllBytes(path);

        var flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, flipped);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);

        File.WriteAllBytes(path, good[..(good.Length - 9)]);
        Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));

        var magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        File.WriteAllBytes(path, magic);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);

        var version = (byte[])good.Clone();
        version[8] = 9;
        File.WriteAllBytes(path, version);
        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path)).Message);
        File.Delete(path);
        Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(path));
    }

    [Fact]
    public void CheckpointModel_HeaderWithoutConfig_NamesTheFile()
    {
        var path = TempFile();
        Checkpoint.Save(path, Sample());
        var ex = Assert.Throws<InvalidDataException>(() => CheckpointModel.Load(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("no saved config", ex.Message, StringComparison.Ordinal);
        File.Delete(path);
    }

    [Fact]
    public void CheckpointModel_Load_RebuildsTheSavedModelWithItsWeights()
    {
        const string Json = """{ "name": "tiny", "data": { "dataset": "mnist" }, "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10 } ] }""";
        var config = Config.ConfigLoader.Parse(Json, "tiny.json");
        var model = Config.ModelBuilder.Build(config, [1, 28, 28]);
        var header = new System.Text.Json.Nodes.JsonObject { ["config"] = System.Text.Json.Nodes.JsonNode.Parse(Json), ["config_source"] = "tiny.json" };
        var path = TempFile();
        Checkpoint.Save(path, new CheckpointData(header.ToJsonString(), model.StateDict(), new Dictionary<string, Tensor>()));
        var loaded = CheckpointModel.Load(path, dataPath: "/some/folder");
        Assert.Equal([1, 28, 28], loaded.InputShape);
        Assert.Equal("/some/folder", loaded.Config.Data.Path);
        Assert.False(loaded.Model.Training);
        foreach (var (name, tensor) in model.StateDict()) Assert.Equal(tensor.ToArray(), loaded.Model.StateDict()[name].ToArray());
        File.Delete(path);
    }
}
