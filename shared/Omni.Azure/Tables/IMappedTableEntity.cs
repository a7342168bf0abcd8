namespace Omni.Azure.Tables;

/// <summary>
/// An entity class that maps its own properties to and from a row, in plain code: nothing reflects over the class,
/// so typed entities work the same in a Native AOT app. <see cref="TableEntity"/> needs no mapping.
/// </summary>
public interface IMappedTableEntity : ITableEntity
{
    /// <summary>
    /// Puts the stored properties into <paramref name="row"/> (not the keys, Timestamp or ETag). Null values may be put
    /// or left out: they are not sent. A value of a type the table cannot hold throws <see cref="NotSupportedException"/>.
    /// </summary>
    void WriteTo(TableEntity row);

    /// <summary>
    /// Sets the stored properties from <paramref name="row"/>, as read from the service: Int32, Int64, Double, Boolean,
    /// DateTimeOffset, Guid, byte[] or string values (read them with the <c>Get*</c> methods); a missing property is null.
    /// </summary>
    void ReadFrom(TableEntity row);
}
