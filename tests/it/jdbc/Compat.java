import java.math.BigDecimal;
import java.sql.*;

/** pgJDBC against a running driftdb-server: java Compat HOST PORT; prints "ok". */
public class Compat {
    static void check(String what, Object got, Object expected) {
        if (!String.valueOf(got).equals(String.valueOf(expected))) {
            System.err.println(what + ": got " + got + ", expected " + expected);
            System.exit(1);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/driftdb";
        try (Connection c = DriverManager.getConnection(url, "driftdb", "")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE jdbc_items (id BIGINT PRIMARY KEY, name TEXT, price NUMERIC(10,2), at TIMESTAMPTZ)");
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO jdbc_items VALUES (?, ?, ?, ?)")) {
                for (int i = 1; i <= 7; i++) {  // past the driver's switch to server-side statements
                    p.setLong(1, i);
                    p.setString(2, "item " + i);
                    p.setBigDecimal(3, new BigDecimal(i + ".50"));
                    p.setTimestamp(4, Timestamp.valueOf("2025-01-02 03:04:05"));
                    check("insert count", p.executeUpdate(), 1);
                }
            }
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("UPDATE jdbc_items SET price = price * 2 WHERE id = ?")) {
                p.setLong(1, 2);
                check("update count", p.executeUpdate(), 1);
            }
            c.commit();
            c.setAutoCommit(true);
            for (int round = 0; round < 7; round++) {
                try (PreparedStatement p = c.prepareStatement("SELECT name, price FROM jdbc_items WHERE id = ?")) {
                    p.setLong(1, 2);
                    try (ResultSet r = p.executeQuery()) {
                        check("row", r.next(), true);
                        check("name", r.getString(1), "item 2");
                        check("price", r.getBigDecimal(2), new BigDecimal("5.00"));
                        check("one row", r.next(), false);
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO jdbc_items (id) VALUES (1)");
                System.err.println("a duplicate key was accepted");
                System.exit(1);
            } catch (SQLException e) {
                check("duplicate sqlstate", e.getSQLState(), "23505");
            }
            DatabaseMetaData meta = c.getMetaData();
            try (ResultSet r = meta.getTables(null, "public", "jdbc_items", new String[] {"TABLE"})) {
                check("metadata table", r.next() ? r.getString("TABLE_NAME") : null, "jdbc_items");
            }
        }
        System.out.println("ok");
    }
}
