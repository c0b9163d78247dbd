using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Nn.Arithmetic;
using Lowbit.Quantization.Arithmetic;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training;

/// <summary>One radix-point record: a group's integer bits after <see cref="Step"/> and the overflow rates that decided them.</summary>
/// <param name="Step">Training steps done (negative during range initialisation, counting from −(its steps)).</param>
/// <param name="Epoch">Epoch (1-based; 0 during range initialisation).</param>
/// <param name="Phase">"start", "range_init" or "train".</param>
/// <param name="Group">Group name, e.g. "L2/dE/dW".</param>
/// <param name="IntegerBits">Integer bits from the next step on.</param>
/// <param name="OverflowRate">Mean overflow rate of the window at the previous integer bits (null for start rows).</param>
/// <param name="OverflowRateBelow">The same at one integer bit fewer (null for start rows).</param>
public sealed record RadixRecord(long Step, int Epoch, string Phase, string Group, int IntegerBits, double? OverflowRate, double? OverflowRateBelow);

/// <summary>
/// The trainer's side of an <see cref="ArithmeticPolicy"/>: the radix-point history of every fixed-point group (written to
/// arithmetic.csv after every epoch), the state that checkpoints carry, and the result.json section.
/// </summary>
public sealed class ArithmeticLog
{
    /// <summary>File name of the radix-point history in a run folder.</summary>
    public const string FileName = "arithmetic.csv";

    /// <summary>Wraps <paramref name="policy"/> and records its starting radix points.</summary>
    public ArithmeticLog(ArithmeticPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        Policy = policy;
        RecordAll(0, 0, "start");
    }

    /// <summary>The policy.</summary>
    public ArithmeticPolicy Policy { get; }

    /// <summary>Every record so far, in order.</summary>
    public List<RadixRecord> History { get; private set; } = [];

    /// <summary>Records the current radix point of every fixed-point group.</summary>
    public void RecordAll(long step, int epoch, string phase)
    {
        foreach (var (group, bits, _) in Policy.RadixPoints()) History.Add(new RadixRecord(step, epoch, phase, group, bits, null, null));
    }

    /// <summary>Ends a policy step and records the groups whose window ended.</summary>
    public void EndStep(long step, int epoch, string phase)
    {
        foreach (var (group, u) in Policy.EndStep()) History.Add(new RadixRecord(step, epoch, phase, group, u.After, u.OverflowRate, u.OverflowRateBelow));
    }

    /// <summary>Writes arithmetic.csv into <paramref name="folder"/> (atomically).</summary>
    public void WriteCsv(string folder)
    {
        var sb = new StringBuilder("step,epoch,phase,group,integer_bits,overflow_rate,overflow_rate_below\n");
        static string Rate(double? r) => r?.ToString("G6", CultureInfo.InvariantCulture) ?? "";
        foreach (var r in History)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Step},{r.Epoch},{r.Phase},{r.Group},{r.IntegerBits},{Rate(r.OverflowRate)},{Rate(r.OverflowRateBelow)}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, FileName), sb.ToString());
    }

    /// <summary>Radix-point states and history for a checkpoint header.</summary>
    public JsonObject Save() => new()
    {
        ["groups"] = JsonSerializer.SerializeToNode(Policy.SaveState()),
        ["history"] = JsonSerializer.SerializeToNode(History),
    };

    /// <summary>Restores <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The checkpoint's arithmetic section is missing or does not match the model.</exception>
    public void Load(JsonNode? saved, string path)
    {
        if (saved is not JsonObject obj) throw new InvalidDataException($"{path}: checkpoint has no arithmetic state but the config has an \"arithmetic\" block.");
        try
        {
            Policy.LoadState(obj["groups"].Deserialize<Dictionary<string, RadixTrackerState>>() ?? []);
            History = obj["history"].Deserialize<List<RadixRecord>>() ?? [];
        }
        catch (Exception e) when (e is ArgumentException or JsonException)
        {
            throw new InvalidDataException($"{path}: arithmetic state does not match this model: {ErrorText.Bare(e)}");
        }
    }

    /// <summary>The result.json section: formats, propagation and update bits, and each group's final integer bits.</summary>
    public JsonObject Result()
    {
        var options = Policy.Options;
        var groups = new JsonObject();
        foreach (var (group, format) in Policy.Formats()) groups[group] = format;
        var radix = new JsonObject();
        foreach (var (group, bits, _) in Policy.RadixPoints()) radix[group] = bits;
        var blocks = new JsonObject();
        foreach (var (block, layer) in Policy.LayerNames) blocks[block] = layer;
        return new JsonObject
        {
            ["propagation"] = options.Propagation.Name,
            ["update"] = options.Update.Name,
            ["propagation_bits"] = options.Propagation.Bits,
            ["update_bits"] = options.Update.Bits,
            ["loss_scale"] = options.LossScale,
            ["range_init_epochs"] = options.RangeInitEpochs,
            ["blocks"] = blocks,
            ["formats"] = groups,
            ["final_integer_bits"] = radix,
        };
    }
}
