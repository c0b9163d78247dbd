namespace Lowbit.Data.Formats;

/// <summary>The content of an IDX unsigned-byte image file (magic 0x00000803).</summary>
/// <param name="Count">Number of images.</param>
/// <param name="Height">Rows per image.</param>
/// <param name="Width">Columns per image.</param>
/// <param name="Pixels">Pixels, [Count, Height, Width] row-major.</param>
public sealed record IdxImages(int Count, int Height, int Width, byte[] Pixels);
