using Microsoft.ML.ArchitectureSearch.Training.Cnn;
using Microsoft.ML.Data;

namespace Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;

/// <summary>
/// Reads training or validation images into memory for the search, once, into an <see cref="ImageStore"/> in the
/// trainers' layout: bytes when every value is exactly a scaled byte (ExtractPixels, the CIFAR-10 loader), floats
/// otherwise (see <see cref="ImageStoreBuilder"/>). Checks their content before any training: empty data, non-finite
/// pixels, missing labels, fewer than two classes. Every message names the data set and the column. Schema checks
/// happen before this (<see cref="ImageClassificationTask.CheckSchema"/>).
/// </summary>
internal static class ImageRowReader
{
    public static ImageData ReadImages(IDataView data, string dataName, string featureColumn, string labelColumn,
        int channels, int height, int width, int classCount)
    {
        int size = channels * height * width;
        var pixels = new ImageStoreBuilder(channels, height, width, data.GetRowCount());
        var labels = new List<int>();
        DataViewSchema.Column feature = data.Schema[featureColumn];
        DataViewSchema.Column label = data.Schema[labelColumn];
        using (DataViewRowCursor cursor = data.GetRowCursor(new[] { feature, label }))
        {
            ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(feature);
            ValueGetter<uint> getLabel = LabelGetter(cursor, label);
            var buffer = default(VBuffer<float>);
            var dense = new float[size];
            long row = 0;
            while (cursor.MoveNext())
            {
                getFeatures(ref buffer);
                buffer.CopyTo(dense);
                for (int i = 0; i < size; i++)
                {
                    if (!float.IsFinite(dense[i]))
                        throw new ArgumentException($"Row {row} of the {dataName}'s feature column '{featureColumn}' holds {dense[i]} at index {i}; image values must be finite numbers.");
                }
                uint key = 0;
                getLabel(ref key);
                if (key == 0 || key > classCount)
                    throw new ArgumentException($"Row {row} of the {dataName}'s label column '{labelColumn}' has a missing label (key value 0 or out of range); remove or fix such rows.");
                pixels.Add(dense);
                labels.Add((int)key - 1);
                row++;
            }
        }
        var images = new ImageData(pixels.Build(), null, labels.ToArray());
        // When the row count is unknown (a streamed IDataView), the builder filled 1 MB blocks and Build copied them into
        // one array: the blocks, as large as the data set, are now garbage on the large-object heap, which only a full
        // collection frees, and a Fit that trains in native memory allocates too little on the managed heap to cause
        // one. They stayed resident through the whole training: about 30 MB per 10,000 CIFAR-10 images, half of the
        // process's growth with the data set (BENCHMARKS.md, "Memory (issue 13, fifth session)"). Once per data set read.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return images;
    }

    /// <summary>Throws unless at least two distinct classes appear in the training labels.</summary>
    public static void CheckClassesPresent(ImageData data, string labelColumn)
    {
        int distinct = data.Labels.Distinct().Count();
        if (distinct < 2)
            throw new ArgumentException($"The training data's label column '{labelColumn}' holds {distinct} distinct class; classification needs at least 2.");
    }

    // Key columns may use any unsigned raw type; read them all as uint (key counts above uint.MaxValue are refused).
    private static ValueGetter<uint> LabelGetter(DataViewRow row, DataViewSchema.Column label)
    {
        Type raw = label.Type.RawType;
        if (raw == typeof(uint))
            return row.GetGetter<uint>(label);
        if (raw == typeof(byte))
        {
            var get = row.GetGetter<byte>(label);
            return (ref uint dst) => { byte v = 0; get(ref v); dst = v; };
        }
        if (raw == typeof(ushort))
        {
            var get = row.GetGetter<ushort>(label);
            return (ref uint dst) => { ushort v = 0; get(ref v); dst = v; };
        }
        if (raw == typeof(ulong))
        {
            var get = row.GetGetter<ulong>(label);
            return (ref uint dst) => { ulong v = 0; get(ref v); dst = v > uint.MaxValue ? 0 : (uint)v; };
        }
        throw new ArgumentOutOfRangeException(nameof(label), $"Label column '{label.Name}' has unsupported key type {label.Type}.");
    }
}
