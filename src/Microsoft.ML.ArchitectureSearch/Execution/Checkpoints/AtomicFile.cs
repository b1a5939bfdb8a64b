namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>
/// Writes a file so that a crash at any moment leaves either the old or the new content, never a mix. A write that
/// fails (a full disk, a serializer error) removes its temporary file before the error propagates; only a killed
/// process can leave one behind, and the next write replaces it.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            // rename(2) replaces the target atomically on POSIX file systems (and MoveFileEx on Windows).
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error is the one to report; a leftover temporary file is replaced by the next write.
        }
    }
}
