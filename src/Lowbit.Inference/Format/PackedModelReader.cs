using System.Buffers.Binary;
using System.Text;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Parser of <see cref="PackedModelFile"/> data. Every check reports the source name, the byte offset and the field,
/// and every failure is an <see cref="InvalidDataException"/>: sizes are checked against the bytes present before
/// anything is allocated, so no input makes it allocate more than the file size or read out of range.
/// </summary>
internal ref struct PackedModelReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _name;
    private int _offset;
    private uint _version;

    private PackedModelReader(ReadOnlySpan<byte> data, string name)
    {
        _data = data;
        _name = name;
        _offset = 0;
    }

    public static PackedModel Parse(ReadOnlySpan<byte> data, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var r = new PackedModelReader(data, name);
        r.CheckEnvelope();
        return r.ParseBody();
    }

    private readonly InvalidDataException Error(int offset, string message) =>
        new($"{_name}: byte offset {offset}: {message}");

    private void CheckEnvelope()
    {
        var magic = PackedModelFile.Magic;
        if (_data.Length < magic.Length || !_data[..magic.Length].SequenceEqual(magic))
            throw Error(0, $"not a Lowbit packed model (magic \"LOWBITPM\" expected{(_data.Length < magic.Length ? $"; the file has only {_data.Length} bytes" : "")}).");
        if (_data.Length < PackedModelFile.HeaderSize)
            throw Error(_data.Length, $"truncated header: the file has {_data.Length} bytes, the header alone needs {PackedModelFile.HeaderSize}.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(_data[8..]);
        if (version < PackedModelFile.OldestReadableVersion || version > PackedModelFile.Version)
            throw Error(8, $"format version {version} is not supported (this build reads versions {PackedModelFile.OldestReadableVersion} to {PackedModelFile.Version}); re-export the model with this version of lowbit.");
        _version = version;
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(_data[12..]);
        if (flags != 0) throw Error(12, $"header flags are 0x{flags:X8}; version {version} defines none (must be 0).");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(_data[16..]);
        if (length != (ulong)_data.Length)
            throw Error(16, length > (ulong)_data.Length
                ? $"truncated: the header declares {length} bytes but the file has {_data.Length}."
                : $"the header declares {length} bytes but the file has {_data.Length} (trailing data or corrupted length).");
        int crcOffset = _data.Length - PackedModelFile.ChecksumSize;
        if (crcOffset < PackedModelFile.HeaderSize) throw Error(16, $"declared length {length} is too small for header and checksum.");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(_data[crcOffset..]);
        uint actual = Crc32.Compute(_data[..crcOffset]);
        if (stored != actual)
            throw Error(crcOffset, $"checksum mismatch: stored CRC-32 0x{stored:X8}, computed 0x{actual:X8} over bytes [0, {crcOffset}); the file is corrupted.");
        _offset = PackedModelFile.HeaderSize;
    }

    private PackedModel ParseBody()
    {
        int shapeOffset = _offset;
        var shape = new int[3];
        string[] dims = ["channels", "height", "width"];
        for (int i = 0; i < 3; i++) shape[i] = ReadCount(dims[i], 1, 1 << 20);
        if ((long)shape[0] * shape[1] * shape[2] > int.MaxValue / 255)
            throw Error(shapeOffset, $"input shape [{shape[0]}, {shape[1]}, {shape[2]}] is too large.");
        var table = new float[PackedModel.PixelTableSize];
        for (int p = 0; p < table.Length; p++)
        {
            int at = _offset;
            table[p] = ReadF32("pixel table entry");
            if (!float.IsFinite(table[p])) throw Error(at, $"pixel table entry {p} is {table[p]}; it must be finite.");
        }
        int metaLength = ReadCount("metadata length", 0, Remaining);
        int metaOffset = _offset;
        string metadata;
        try
        {
            metadata = s_strictUtf8.GetString(Take(metaLength, "metadata"));
        }
        catch (DecoderFallbackException e)
        {
            throw Error(metaOffset, $"metadata is not valid UTF-8 ({e.Message}).");
        }
        int layerCount = ReadCount("layer count", 2, Remaining / PackedModelFile.LayerHeaderSize);
        var layers = new List<PackedDenseLayer>(layerCount);
        long expectedIn = (long)shape[0] * shape[1] * shape[2];
        int expectedInputBits = 8, expectedInputPlanes = 0;
        bool residualChain = false;
        for (int i = 0; i < layerCount; i++)
        {
            if (i == 0) residualChain = _version >= 3 && Remaining >= 1 && _data[_offset] == PackedModelFile.KindResidualThreshold;
            var layer = residualChain
                ? ReadResidualLayer(i, layerCount, expectedIn, ref expectedInputPlanes)
                : ReadLayer(i, layerCount, expectedIn, layers.Count > 0 && layers[0] is PlaneDenseLayer, ref expectedInputBits, table);
            layers.Add(layer);
            expectedIn = layer.OutFeatures;
        }
        if (_offset != _data.Length - PackedModelFile.ChecksumSize)
            throw Error(_offset, $"{_data.Length - PackedModelFile.ChecksumSize - _offset} unexpected bytes after the last layer.");
        try
        {
            return new PackedModel(shape, table, metadata, layers);
        }
        catch (ArgumentException e)
        {
            throw Error(shapeOffset, $"the layers do not form a valid model: {e.Message}");
        }
    }

    private PackedDenseLayer ReadLayer(int index, int count, long expectedIn, bool planeChain, ref int expectedInputBits, float[] pixelTable)
    {
        int start = _offset;
        var head = Take(4, $"layer {index} header");
        byte kind = head[0], flags = head[1];
        bool last = index == count - 1;
        bool plane = index == 0 ? kind == PackedModelFile.KindPlaneThreshold && _version >= 2 : planeChain;
        byte expectedKind = plane
            ? (last ? PackedModelFile.KindPlaneOutput : PackedModelFile.KindPlaneThreshold)
            : (index == 0 ? PackedModelFile.KindByteSign : last ? PackedModelFile.KindBinaryOutput : PackedModelFile.KindBinarySign);
        if (kind != expectedKind)
        {
            string allowed = index == 0 ? (_version >= 3 ? "1, 4 or 6" : _version >= 2 ? "1 or 4" : "1") : expectedKind.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw Error(start, $"layer {index} has kind {kind}; layer {index} of {count} must have kind {allowed} here ({KindNames}).");
        }
        bool output = kind is PackedModelFile.KindBinaryOutput or PackedModelFile.KindPlaneOutput;
        byte allowedFlags = output ? (byte)(PackedModelFile.FlagBias | PackedModelFile.FlagBatchNorm) : (byte)0;
        if ((flags & ~allowedFlags) != 0) throw Error(start + 1, $"layer {index} flags 0x{flags:X2} are not defined for kind {kind}.");
        int weightBits = 1, inputBits = 0;
        if (plane)
        {
            weightBits = head[2];
            inputBits = head[3];
            if (weightBits < 1 || weightBits > PlaneDenseLayer.MaxBits) throw Error(start + 2, $"layer {index} weight bits {weightBits}; allowed is [1, {PlaneDenseLayer.MaxBits}].");
            if (inputBits != expectedInputBits) throw Error(start + 3, $"layer {index} input bits {inputBits}; this layer receives {expectedInputBits}-bit codes.");
        }
        else if (head[2] != 0 || head[3] != 0)
        {
            throw Error(start + 2, $"layer {index} reserved bytes must be 0.");
        }
        int inOffset = _offset;
        int inFeatures = ReadCount($"layer {index} inFeatures", 1, int.MaxValue);
        if (inFeatures != expectedIn) throw Error(inOffset, $"layer {index} has {inFeatures} inputs but receives {expectedIn}.");
        int outFeatures = ReadCount($"layer {index} outFeatures", 1, int.MaxValue);
        float[] weightLevels = [], inputLevels = [];
        if (plane)
        {
            weightLevels = ReadFloats(1 << weightBits, $"layer {index} weight levels", false);
            int levelsOffset = _offset;
            inputLevels = ReadFloats(1 << inputBits, $"layer {index} input levels", false);
            if (index == 0 && !inputLevels.AsSpan().SequenceEqual(pixelTable))
                throw Error(levelsOffset, "layer 0 input levels differ from the pixel table.");
        }
        var weights = ReadWeights(index, inFeatures, outFeatures, weightBits);
        try
        {
            switch (kind)
            {
                case PackedModelFile.KindByteSign:
                    return new ByteSignDenseLayer(inFeatures, outFeatures, weights, ReadFloats(outFeatures, $"layer {index} thresholds", allowInfinity: true));
                case PackedModelFile.KindBinarySign:
                    return new BinarySignDenseLayer(inFeatures, outFeatures, weights, ReadMaxMismatches(outFeatures, inFeatures, index));
                case PackedModelFile.KindPlaneThreshold:
                    int bitsOffset = _offset;
                    int outputBits = ReadCount($"layer {index} output bits", 1, PlaneDenseLayer.MaxBits);
                    expectedInputBits = outputBits;
                    var negated = ReadDirections(outFeatures, index);
                    int thresholdsOffset = _offset;
                    var thresholds = ReadFloats(checked(outFeatures * ((1 << outputBits) - 1)), $"layer {index} thresholds", allowInfinity: true);
                    CheckOrder(thresholds, (1 << outputBits) - 1, thresholdsOffset, index);
                    return new PlaneThresholdDenseLayer(inFeatures, outFeatures, weightBits, inputBits, weightLevels, inputLevels, weights, outputBits, negated, thresholds);
                default:
                    var bias = (flags & PackedModelFile.FlagBias) != 0 ? ReadFloats(outFeatures, $"layer {index} bias", false) : null;
                    var scale = (flags & PackedModelFile.FlagBatchNorm) != 0 ? ReadFloats(outFeatures, $"layer {index} batch-norm scale", false) : null;
                    var shift = (flags & PackedModelFile.FlagBatchNorm) != 0 ? ReadFloats(outFeatures, $"layer {index} batch-norm shift", false) : null;
                    return kind == PackedModelFile.KindBinaryOutput
                        ? new BinaryOutputDenseLayer(inFeatures, outFeatures, weights, bias, scale, shift)
                        : new PlaneOutputDenseLayer(inFeatures, outFeatures, weightBits, inputBits, weightLevels, inputLevels, weights, bias, scale, shift);
            }
        }
        catch (OverflowException)
        {
            throw Error(start, $"layer {index} ({inFeatures} → {outFeatures}) is too large.");
        }
        catch (ArgumentException e)
        {
            throw Error(start, $"layer {index} is invalid: {e.Message}");
        }
    }

    private const string KindNames = "1 = byte-input sign, 2 = binary sign, 3 = binary output, 4 = k-bit threshold (version 2), 5 = k-bit output (version 2), 6 = residual threshold (version 3), 7 = residual output (version 3)";

    /// <summary>A layer of the residual (HBB) chain: kinds 6 (first and middle) and 7 (last), version 3.</summary>
    private PackedDenseLayer ReadResidualLayer(int index, int count, long expectedIn, ref int expectedInputPlanes)
    {
        int start = _offset;
        var head = Take(4, $"layer {index} header");
        byte kind = head[0], flags = head[1];
        bool last = index == count - 1;
        byte expectedKind = last ? PackedModelFile.KindResidualOutput : PackedModelFile.KindResidualThreshold;
        if (kind != expectedKind)
            throw Error(start, $"layer {index} has kind {kind}; layer {index} of {count} of a residual chain must have kind {expectedKind} ({KindNames}).");
        byte allowedFlags = last ? (byte)(PackedModelFile.FlagBias | PackedModelFile.FlagBatchNorm) : (byte)0;
        if ((flags & ~allowedFlags) != 0) throw Error(start + 1, $"layer {index} flags 0x{flags:X2} are not defined for kind {kind}.");
        int weightPlanes = head[2], inputPlanes = head[3];
        if (weightPlanes < 1 || weightPlanes > ResidualDenseLayer.MaxPlanes) throw Error(start + 2, $"layer {index} weight planes {weightPlanes}; allowed is [1, {ResidualDenseLayer.MaxPlanes}].");
        if (inputPlanes != expectedInputPlanes)
            throw Error(start + 3, $"layer {index} input planes {inputPlanes}; this layer receives {(expectedInputPlanes == 0 ? "the 8-bit pixels (0)" : $"{expectedInputPlanes} planes")}.");
        int inOffset = _offset;
        int inFeatures = ReadCount($"layer {index} inFeatures", 1, int.MaxValue);
        if (inFeatures != expectedIn) throw Error(inOffset, $"layer {index} has {inFeatures} inputs but receives {expectedIn}.");
        int outFeatures = ReadCount($"layer {index} outFeatures", 1, int.MaxValue);
        var weightScales = ReadFloats(weightPlanes, $"layer {index} weight scales", false);
        var weightLevels = ReadFloats(ResidualDenseLayer.WeightLevelCount(weightPlanes), $"layer {index} weight levels", false);
        var inputScales = ReadFloats(inputPlanes, $"layer {index} input scales", false);
        var inputLevels = ReadFloats(inputPlanes == 0 ? 0 : 1 << inputPlanes, $"layer {index} input levels", false);
        var weights = ReadWeights(index, inFeatures, outFeatures, 2 * weightPlanes - 1);
        try
        {
            if (last)
            {
                var bias = (flags & PackedModelFile.FlagBias) != 0 ? ReadFloats(outFeatures, $"layer {index} bias", false) : null;
                var scale = (flags & PackedModelFile.FlagBatchNorm) != 0 ? ReadFloats(outFeatures, $"layer {index} batch-norm scale", false) : null;
                var shift = (flags & PackedModelFile.FlagBatchNorm) != 0 ? ReadFloats(outFeatures, $"layer {index} batch-norm shift", false) : null;
                return new ResidualOutputDenseLayer(inFeatures, outFeatures, weightPlanes, inputPlanes, weightScales, weightLevels, inputScales, inputLevels, weights, bias, scale, shift);
            }
            int outputPlanes = ReadCount($"layer {index} output planes", 1, ResidualDenseLayer.MaxPlanes);
            expectedInputPlanes = outputPlanes;
            var negated = ReadDirections(outFeatures, index);
            int thresholdsOffset = _offset;
            var thresholds = ReadFloats(checked(outFeatures * ((1 << outputPlanes) - 1)), $"layer {index} thresholds", allowInfinity: true);
            CheckOrder(thresholds, (1 << outputPlanes) - 1, thresholdsOffset, index);
            return new ResidualThresholdDenseLayer(inFeatures, outFeatures, weightPlanes, inputPlanes, weightScales, weightLevels, inputScales, inputLevels, weights, outputPlanes, negated, thresholds);
        }
        catch (OverflowException)
        {
            throw Error(start, $"layer {index} ({inFeatures} → {outFeatures}) is too large.");
        }
        catch (ArgumentException e)
        {
            throw Error(start, $"layer {index} is invalid: {e.Message}");
        }
    }

    private ulong[] ReadWeights(int index, int inFeatures, int outFeatures, int planes)
    {
        int words = BitLayout.WordsPerRow(inFeatures);
        long rows = (long)outFeatures * planes;
        long weightBytes = rows * words * 8;
        if (weightBytes > Remaining)
            throw Error(_offset, $"layer {index} ({inFeatures} → {outFeatures}, {planes} plane(s)) needs {weightBytes} bytes of weights but only {Remaining} remain (truncated or corrupted sizes).");
        int weightOffset = _offset;
        var weights = new ulong[rows * words];
        ulong mask = BitLayout.LastWordMask(inFeatures);
        for (int i = 0; i < weights.Length; i++) weights[i] = ReadU64("weights");
        for (long r = 0; r < rows; r++)
            if ((weights[(r + 1) * words - 1] & ~mask) != 0)
                throw Error(weightOffset + (int)(((r + 1) * words - 1) * 8), $"layer {index} weight row {r / planes} (plane {r % planes}) has non-zero padding bits past input {inFeatures}.");
        return weights;
    }

    private bool[] ReadDirections(int count, int index)
    {
        var bytes = Take(count, $"layer {index} directions");
        var negated = new bool[count];
        for (int j = 0; j < count; j++)
        {
            if (bytes[j] > 1) throw Error(_offset - count + j, $"layer {index} direction of unit {j} is {bytes[j]}; allowed is 0 (+y) or 1 (−y).");
            negated[j] = bytes[j] == 1;
        }
        return negated;
    }

    private readonly void CheckOrder(float[] thresholds, int perUnit, int offset, int index)
    {
        for (int j = 0; j < thresholds.Length / perUnit; j++)
            for (int l = 1; l < perUnit; l++)
                if (thresholds[j * perUnit + l] < thresholds[j * perUnit + l - 1])
                    throw Error(offset + 4 * (j * perUnit + l), $"layer {index} thresholds of unit {j} decrease at level {l}; they must be non-decreasing.");
    }

    private float[] ReadFloats(int count, string field, bool allowInfinity)
    {
        if ((long)count * 4 > Remaining) throw Error(_offset, $"{field}: {count} values need {(long)count * 4} bytes but only {Remaining} remain.");
        var values = new float[count];
        for (int j = 0; j < count; j++)
        {
            int at = _offset;
            values[j] = ReadF32(field);
            if (float.IsNaN(values[j]) || (!allowInfinity && float.IsInfinity(values[j])))
                throw Error(at, $"{field}[{j}] is {values[j]}; it must be {(allowInfinity ? "a number" : "finite")}.");
        }
        return values;
    }

    private int[] ReadMaxMismatches(int count, int inFeatures, int index)
    {
        string field = $"layer {index} thresholds";
        if ((long)count * 4 > Remaining) throw Error(_offset, $"{field}: {count} values need {(long)count * 4} bytes but only {Remaining} remain.");
        var values = new int[count];
        for (int j = 0; j < count; j++)
        {
            int at = _offset;
            values[j] = (int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
            if (values[j] < -1 || values[j] > inFeatures)
                throw Error(at, $"{field}[{j}] is {values[j]}; allowed is [-1, {inFeatures}].");
        }
        return values;
    }

    private readonly int Remaining => _data.Length - PackedModelFile.ChecksumSize - _offset;

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Error(_offset, $"{field}: needs {count} bytes but only {Remaining} remain before the checksum.");
        var span = _data.Slice(_offset, count);
        _offset += count;
        return span;
    }

    private int ReadCount(string field, int min, int max)
    {
        int at = _offset;
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
        if (v < (uint)min || v > (uint)Math.Max(max, 0))
            throw Error(at, $"{field} is {v}; allowed is [{min}, {Math.Max(max, 0)}] here.");
        return (int)v;
    }

    private float ReadF32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    private ulong ReadU64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
}
