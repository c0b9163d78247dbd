using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Lowbit.Tensors;
using Lowbit.Testing;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training.Tests;

/// <summary>
/// Checkpoints whose checksum is valid but whose content is not (crafted, or written by a buggy tool): every one is an
/// <see cref="InvalidDataException"/> with a short one-line message naming the file, never a crash or a wrong resume.
/// </summary>
public class CraftedCheckpointTests(TrainedCheckpoint trained) : IClassFixture<TrainedCheckpoint>
{
    private static InvalidDataException Rejected(Func<object> load, params string[] parts)
    {
        var ex = Assert.Throws<InvalidDataException>(() => load());
        Assert.DoesNotContain('\n', ex.Message);
        Assert.True(ex.Message.Length < 400, $"message of {ex.Message.Length} characters: {ex.Message[..Math.Min(200, ex.Message.Length)]}");
        Assert.DoesNotContain(ex.Message, c => char.IsControl(c));
        foreach (var part in parts) Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    private string WithHeader(Action<JsonObject> edit)
    {
        var header = trained.Header();
        edit(header);
        return trained.Write(header.ToJsonString());
    }

    [Fact]
    public void Original_LoadsAndBuilds()
    {
        var ck = RunCheckpoint.Load(trained.Write());
        Assert.Equal(1, ck.RequireState().Epoch);
        ck.BuildModel([1, 28, 28]);
    }

    [Fact]
    public void HeaderNotJson_IsRejected() => Rejected(() => RunCheckpoint.Load(trained.Write("{ not json")), "checkpoint header", "not valid JSON");

    [Fact]
    public void HeaderWithDuplicateKey_IsRejected() =>
        Rejected(() => RunCheckpoint.Load(trained.Write(trained.Data.Header.Insert(1, "\"format\":\"x\","))), "duplicate key 'format'");

    [Fact]
    public void MissingConfigSection_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h.Remove("config"))), "no saved config");

    [Fact]
    public void MissingState_CannotBeResumed() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h.Remove("state"))).RequireState(), "no trainer 'state'");

    [Fact]
    public void StateNotAnObject_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h["state"] = 3)), "'state' must be an object");

    [Fact]
    public void WrongFormatTag_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h["format"] = "something-else")), "'format'");

    [Fact]
    public void NegativeEpoch_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h["state"]!["Epoch"] = -4)), "epoch is -4");

    [Fact]
    public void EpochWithoutHistory_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h["state"]!["Epoch"] = 7)), "history has 1 rows");

    [Fact]
    public void StateFieldOfWrongType_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h["state"]!["Step"] = "many")), "trainer state", "Step");

    [Fact]
    public void UnknownStateField_IsRejected() => Rejected(() => RunCheckpoint.Load(WithHeader(h => h["state"]!["Turbo"] = true)), "trainer state");

    [Fact]
    public void SavedConfigInvalid_IsRejectedAsDataError() =>
        Rejected(() => RunCheckpoint.Load(WithHeader(h => h["config"]!["optimizer"]!["lr"] = -300)), "saved config is invalid", "optimizer.lr");

    [Fact]
    public void SavedConfigWithHugeLayer_IsRejectedBeforeAllocating()
    {
        // 80 million units: building this model first would allocate gigabytes (a fuzz case ran past 20 s).
        var path = WithHeader(h =>
        {
            foreach (var layer in h["config"]!["layers"]!.AsArray())
                if (layer!["units"] is not null) { layer["units"] = 80_000_000; break; }
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Rejected(() => RunCheckpoint.Load(path).BuildModel([1, 28, 28]), "does not build a model", "more than the", "stored for the whole model");
        Assert.True(watch.Elapsed.TotalSeconds < 5, $"took {watch.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void StateFieldNameWithLineBreak_IsQuotedOnOneLine()
    {
        var ex = Rejected(() => RunCheckpoint.Load(WithHeader(h =>
        {
            var row = h["state"]!["History"]![0]!.AsObject();
            var value = row["ValidationAccuracy"]!.DeepClone();
            row.Remove("ValidationAccuracy");
            row["Validatio\nAccuracy"] = value;
        })), "trainer state", "is malformed");
        Assert.Contains("\\u000A", ex.Message);
    }

    [Fact]
    public void ConfigSourceWithControlCharacters_IsRejected() =>
        Rejected(() => RunCheckpoint.Load(WithHeader(h => h["config_source"] = "a\u0007b")), "config_source");

    [Fact]
    public void WeightOfAnotherShape_IsRejectedNamingTheTensor()
    {
        var model = trained.Data.Model.ToDictionary(kv => kv.Key, kv => kv.Value);
        model["1.weight"] = Tensor.Zeros(7, 784);
        var ck = RunCheckpoint.Load(trained.Write(model: model));
        Rejected(() => ck.BuildModel([1, 28, 28]), "'1.weight'", "[7, 784]");
    }

    [Fact]
    public void NonFiniteWeight_IsRejected()
    {
        var model = trained.Data.Model.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        model["1.weight"].AsSpan()[5] = float.NaN;
        var ck = RunCheckpoint.Load(trained.Write(model: model));
        Rejected(() => ck.BuildModel([1, 28, 28]), "'1.weight'", "element 5");
    }

    [Fact]
    public void NegativeRunningVariance_IsRejected()
    {
        var model = trained.Data.Model.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        model["2.running_var"].AsSpan()[3] = -0.5f;
        var ck = RunCheckpoint.Load(trained.Write(model: model));
        Rejected(() => ck.BuildModel([1, 28, 28]), "running_var[3] is -0.5");
    }

    [Fact]
    public void ImplausiblyLargeWeight_IsRejected()
    {
        var model = trained.Data.Model.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        model["3.weight"].AsSpan()[2] = 3e38f;
        var ck = RunCheckpoint.Load(trained.Write(model: model));
        Rejected(() => ck.BuildModel([1, 28, 28]), "'3.weight'", "element 2");
    }

    [Fact]
    public void TensorNameLongerThan256Bytes_IsRejected()
    {
        var optimizer = trained.Data.Optimizer.ToDictionary(kv => kv.Key, kv => kv.Value);
        optimizer[new string('x', 300)] = Tensor.Zeros(1);
        Rejected(() => RunCheckpoint.Load(trained.Write(optimizer: optimizer)), "300 bytes");
    }

    [Fact]
    public void OptimizerStateForUnknownParameter_IsRejected()
    {
        var optimizer = trained.Data.Optimizer.ToDictionary(kv => kv.Key, kv => kv.Value);
        optimizer["m:9.weight"] = Tensor.Zeros(3);
        var ck = RunCheckpoint.Load(trained.Write(optimizer: optimizer));
        var opt = Components.CreateOptimizer(ck.Config.Optimizer, ck.BuildModel([1, 28, 28]));
        Rejected(() => { ck.LoadInto(opt); return 0; }, "'m:9.weight'");
    }

    [Fact]
    public void OptimizerStateOfWrongLength_IsRejected()
    {
        var optimizer = trained.Data.Optimizer.ToDictionary(kv => kv.Key, kv => kv.Value);
        optimizer["m:1.weight"] = Tensor.Zeros(3);
        var ck = RunCheckpoint.Load(trained.Write(optimizer: optimizer));
        var opt = Components.CreateOptimizer(ck.Config.Optimizer, ck.BuildModel([1, 28, 28]));
        Rejected(() => { ck.LoadInto(opt); return 0; }, "'m:1.weight'", "[3]");
    }

    /// <summary>Offset of the first tensor record (name length u16) in the model section.</summary>
    private int FirstTensor => 16 + BinaryPrimitives.ReadInt32LittleEndian(trained.Bytes.AsSpan(12)) + 4 + 4;

    private byte[] Edited(Action<byte[]> edit)
    {
        var bytes = (byte[])trained.Bytes.Clone();
        edit(bytes);
        return ReferenceCrc32.Reseal(bytes);
    }

    [Fact]
    public void NameLengthFFFF_IsRejectedWithoutEchoingBinary()
    {
        var bytes = Edited(b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(FirstTensor), 0xFFFF));
        Rejected(() => Checkpoint.Parse(bytes, "checkpoint.lbck"), "checkpoint.lbck");
    }

    [Fact]
    public void OverflowingTensorSize_IsRejected()
    {
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(trained.Bytes.AsSpan(FirstTensor));
        int dims = FirstTensor + 2 + nameLength + 2;
        var bytes = Edited(b =>
        {
            b[dims - 1] = 2; // rank 2 (the first tensor is a vector or matrix; its first two dimensions become huge)
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(dims), int.MaxValue);
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(dims + 4), int.MaxValue);
        });
        Rejected(() => Checkpoint.Parse(bytes, "checkpoint.lbck"), "needs more bytes");
    }

    [Fact]
    public void HugeTensorCount_IsRejectedBeforeAllocating()
    {
        var bytes = Edited(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(FirstTensor - 4), int.MaxValue));
        Rejected(() => Checkpoint.Parse(bytes, "checkpoint.lbck"), "tensor count");
    }

    [Fact]
    public void TensorNameNotUtf8_IsRejected()
    {
        var bytes = Edited(b => b[FirstTensor + 2] = 0xFF);
        Rejected(() => Checkpoint.Parse(bytes, "checkpoint.lbck"), "not valid UTF-8");
    }

    [Fact]
    public void ShortFileWithTheRightMagic_SaysTruncated() =>
        Rejected(() => Checkpoint.Parse(Encoding.ASCII.GetBytes("LBITCKPT\u0001"), "short.lbck"), "truncated", "9 bytes");

    [Fact]
    public void EmptyFile_SaysEmpty() => Rejected(() => Checkpoint.Parse([], "empty.lbck"), "empty");

    [Fact]
    public void Folder_SaysFolder() => Rejected(() => Checkpoint.Load(trained.Root), "is a folder");
}
