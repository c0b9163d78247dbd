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
}
