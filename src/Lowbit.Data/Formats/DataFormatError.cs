namespace Lowbit.Data.Formats;

/// <summary>
/// Builds the <see cref="InvalidDataException"/> thrown for malformed data files. The message reads
/// "{file}: {field}: {what was expected and found} at byte {offset}"; the same facts are stored in
/// <see cref="Exception.Data"/> under <see cref="FilePathKey"/>, <see cref="ByteOffsetKey"/> and <see cref="FieldKey"/>.
/// </summary>
/// <remarks><see cref="InvalidDataException"/> is sealed, so this is a factory rather than a subclass.</remarks>
internal static class DataFormatError
{
    public const string FilePathKey = "FilePath";
    public const string ByteOffsetKey = "ByteOffset";
    public const string FieldKey = "Field";

    /// <summary>Creates the exception for a bad field; offsets count decompressed bytes for gzipped files.</summary>
    public static InvalidDataException At(string filePath, long byteOffset, string field, string detail, Exception? innerException = null)
    {
        var exception = new InvalidDataException($"{filePath}: {field}: {detail} at byte {byteOffset}", innerException);
        exception.Data[FilePathKey] = filePath;
        exception.Data[ByteOffsetKey] = byteOffset;
        exception.Data[FieldKey] = field;
        return exception;
    }

    /// <summary>True when the exception was built by <see cref="At"/>.</summary>
    public static bool IsFormatError(InvalidDataException exception) => exception.Data.Contains(FieldKey);
}
