using static TorchSharp.torch;

namespace Microsoft.ML.ArchitectureSearch.Training.Cnn;

/// <summary>Puts data splits on a trainer's device: one <see cref="DeviceImageStore"/> per distinct store, whatever the splits.</summary>
internal static class DeviceImageSplits
{
    /// <summary>
    /// The splits (null entries stay null) over device copies of their stores, normalised by <paramref name="mean"/> and
    /// <paramref name="std"/>; the stores are returned for the caller to dispose after the splits.
    /// </summary>
    public static (DeviceImageStore[] Stores, ImageTensors?[] Splits) Create(float[] mean, float[] std, Device device, params (ImageData? Data, string Name)[] splits)
    {
        var onDevice = new Dictionary<ImageStore, DeviceImageStore>(ReferenceEqualityComparer.Instance);
        var tensors = new ImageTensors?[splits.Length];
        for (int s = 0; s < splits.Length; s++)
        {
            if (splits[s].Data is not { } data)
                continue;
            if (!onDevice.TryGetValue(data.Store, out DeviceImageStore? store))
                onDevice[data.Store] = store = new DeviceImageStore(data.Store, mean, std, device);
            tensors[s] = new ImageTensors(data, store, device, splits[s].Name);
        }

        return (onDevice.Values.ToArray(), tensors);
    }

    /// <summary>Mini-batches of an epoch: full batches plus the remainder, unless it is a single image (batch norm cannot normalise one).</summary>
    public static long BatchesPerEpoch(int count, int batchSize)
    {
        long full = count / batchSize;
        return count % batchSize >= 2 ? full + 1 : Math.Max(full, 1);
    }

    /// <summary>Row positions 0..count-1 in an order drawn from <paramref name="random"/> (an epoch's order, or random validation rows).</summary>
    public static long[] Permutation(Random random, int count)
    {
        var order = new long[count];
        for (int i = 0; i < count; i++)
            order[i] = i;
        random.Shuffle(order);
        return order;
    }
}
