namespace ImbalanceFair.Core.Data.Split;

/// <summary>The long-tail literature's frequency buckets, by real training images per class (DESIGN §7).</summary>
public enum Bucket
{
    Many,
    Medium,
    Few,
}

public static class Buckets
{
    /// <summary>many &gt; 100, medium 20..100, few &lt; 20.</summary>
    public static Bucket Of(long trainCount) => trainCount > 100 ? Bucket.Many : trainCount >= 20 ? Bucket.Medium : Bucket.Few;

    public static string Name(this Bucket b) => b switch
    {
        Bucket.Many => "many",
        Bucket.Medium => "medium",
        _ => "few",
    };
}
