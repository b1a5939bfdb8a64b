namespace Microsoft.ML.ArchitectureSearch.Execution.Checkpoints;

/// <summary>Writes a file so that a crash at any moment leaves either the old or the new content, never a mix.</summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        // rename(2) replaces the target atomically on POSIX file systems (and MoveFileEx on Windows).
        File.Move(temp, path, overwrite: true);
    }
}
