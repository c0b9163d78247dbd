using System.Globalization;

namespace Lowbit.Data.Formats;

/// <summary>
/// Netpbm images: PGM (P5 binary, P2 plain; one channel) and PPM (P6 binary, P3 plain; RGB), maximum value 1..255.
/// Values are scaled to 0..255 when the maximum is below 255 (round half up of v·255/max). Comments ("#" to the end
/// of a line) may appear in the header. Any .NET program writes these without libraries: the header "P5\nW H\n255\n"
/// and then the pixel bytes row by row.
/// </summary>
internal sealed class NetpbmImage
{
    private NetpbmImage(int channels, int height, int width, byte[] pixels)
    {
        Channels = channels;
        Height = height;
        Width = width;
        Pixels = pixels;
    }

    /// <summary>1 (PGM) or 3 (PPM).</summary>
    public int Channels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Pixels as [C, H, W] planes.</summary>
    public byte[] Pixels { get; }

    /// <summary>Reads an image file.</summary>
    /// <exception cref="InvalidDataException">Not a PGM/PPM image, a maximum above 255, or truncated; the message names the file and byte.</exception>
    public static NetpbmImage Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string file = Path.GetFileName(path);
        if (bytes.Length < 2 || bytes[0] != 'P' || bytes[1] is not ((byte)'2' or (byte)'3' or (byte)'5' or (byte)'6'))
            throw new InvalidDataException($"{file}: not a PGM or PPM image (expected P2, P3, P5 or P6 at byte 0).");
        char kind = (char)bytes[1];
        int at = 2;
        int width = Number(bytes, ref at, file, "width"), height = Number(bytes, ref at, file, "height"), max = Number(bytes, ref at, file, "maximum value");
        if (width < 1 || height < 1 || (long)width * height > 1 << 26) throw new InvalidDataException($"{file}: image size {width}x{height} is not supported.");
        if (max is < 1 or > 255) throw new InvalidDataException($"{file}: maximum value {max} is not supported (1..255; 16-bit images are not read).");
        int channels = kind is '3' or '6' ? 3 : 1;
        int count = width * height * channels;
        var interleaved = new byte[count];
        if (kind is '5' or '6')
        {
            at++; // exactly one whitespace byte after the maximum value
            if (bytes.Length - at < count) throw new InvalidDataException($"{file}: truncated: {count} pixel bytes expected from byte {at}, {Math.Max(0, bytes.Length - at)} present.");
            bytes.AsSpan(at, count).CopyTo(interleaved);
        }
        else
        {
            for (int i = 0; i < count; i++) interleaved[i] = (byte)Math.Min(255, Number(bytes, ref at, file, "pixel value"));
        }
        var pixels = new byte[count];
        int plane = width * height;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < channels; c++)
            {
                int v = interleaved[p * channels + c];
                if (v > max) throw new InvalidDataException($"{file}: pixel value {v} exceeds the maximum {max}.");
                pixels[c * plane + p] = max == 255 ? (byte)v : (byte)((v * 255 + max / 2) / max);
            }
        return new NetpbmImage(channels, height, width, pixels);
    }

    /// <summary>The next decimal number after whitespace and comments.</summary>
    private static int Number(byte[] bytes, ref int at, string file, string what)
    {
        while (at < bytes.Length && (char.IsWhiteSpace((char)bytes[at]) || bytes[at] == '#'))
        {
            if (bytes[at] == '#') while (at < bytes.Length && bytes[at] != '\n') at++;
            else at++;
        }
        int start = at;
        while (at < bytes.Length && bytes[at] is >= (byte)'0' and <= (byte)'9') at++;
        if (at == start || !int.TryParse(bytes.AsSpan(start, at - start), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            throw new InvalidDataException($"{file}: expected the {what} (a decimal number) at byte {start}.");
        return value;
    }
}
