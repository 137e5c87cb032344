//! Connection options: parsed from an ADO.NET connection string, a URL
//! (`mssql://` / `sqlserver://`) or a JDBC string, and turned into a tiberius
//! [`Config`](tiberius::Config).
//!
//! Parsing is strict and typed: a malformed string is a [`ConfigError`] that
//! says what is wrong and where, and never repeats the password. TLS is on by
//! default (`Encrypt=true`); a local server with a self-signed certificate
//! needs `TrustServerCertificate=true`, and `Encrypt=false` is an explicit
//! opt-out (the login packet is still encrypted, as SQL Server requires).
//!
//! ```
//! use quarry_runtime::ConnectOptions;
//!
//! let ado: ConnectOptions =
//!     "Server=tcp:db.local,1433;Database=shop;User Id=app;Password=s3cret;TrustServerCertificate=true"
//!         .parse()?;
//! let url: ConnectOptions =
//!     "mssql://app:s3cret@db.local:1433/shop?trustServerCertificate=true".parse()?;
//! assert_eq!(ado.host, url.host);
//! assert_eq!(ado.database, url.database);
//! // The password never shows up in debug output.
//! assert!(!format!("{ado:?}").contains("s3cret"));
//! # Ok::<(), quarry_runtime::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The default SQL Server TCP port.
pub const DEFAULT_PORT: u16 = 1433;
/// The default time allowed for the TCP connect plus the TLS and login
/// handshake, as ADO.NET's `Connect Timeout` default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default bound on one round-trip of a running statement.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A password that never prints: its `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Password(password.into())
    }

    /// The password itself, for handing to the driver.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How to authenticate.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// SQL Server authentication with a login and password.
    SqlServer {
        /// The login name.
        user: String,
        /// The password (redacted in `Debug`).
        password: Password,
    },
    /// Integrated (Windows / Kerberos) authentication as the current user:
    /// `Integrated Security=true` or `Trusted_Connection=yes`. Needs the
    /// `integrated-auth-gssapi` feature on Unix (which needs `libkrb5-dev`);
    /// on Windows tiberius's `winauth` feature provides SSPI. Without either
    /// the connection fails with [`ConfigError::IntegratedAuthUnavailable`].
    Integrated,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::SqlServer { user, password } => f
                .debug_struct("SqlServer")
                .field("user", user)
                .field("password", password)
                .finish(),
            Auth::Integrated => f.write_str("Integrated"),
        }
    }
}

/// The TLS policy (`Encrypt=` in a connection string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encrypt {
    /// Encrypt the whole session and fail if the server cannot (`true`,
    /// `yes`, `mandatory`, the default).
    #[default]
    Required,
    /// Encrypt only the login packet (`false`, `no`, `optional`): the
    /// explicit opt-out for local servers. The password is still protected.
    LoginOnly,
    /// Send everything in clear text, the login included
    /// (`DANGER_PLAINTEXT`). Only for servers without any TLS support.
    Never,
}

/// Everything needed to open a connection. Build it by parsing a string (see
/// the [module docs](self)) or field by field.
///
/// `Debug` redacts the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    /// Host name or IP address (`localhost` for `.` and `(local)`).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// A named instance (`host\INSTANCE`); informational only, since the
    /// port is always used directly (SQL Browser lookups are not compiled in).
    pub instance: Option<String>,
    /// The initial database; the login's default database when `None`.
    pub database: Option<String>,
    /// How to authenticate.
    pub auth: Auth,
    /// The TLS policy.
    pub encrypt: Encrypt,
    /// Accept any server certificate (`TrustServerCertificate=true`). Only
    /// for development servers with self-signed certificates.
    pub trust_server_certificate: bool,
    /// A CA certificate file to trust in addition to the system store
    /// (`TrustServerCertificateCA=`).
    pub trust_server_certificate_ca: Option<String>,
    /// Bound on TCP connect plus handshake; `None` waits forever.
    pub connect_timeout: Option<Duration>,
    /// Bound on each round-trip of a running statement; `None` waits forever.
    pub command_timeout: Option<Duration>,
    /// `Application Name=`, shown in `sys.dm_exec_sessions.program_name`.
    pub application_name: Option<String>,
    /// `ApplicationIntent=ReadOnly`: route to a readable secondary.
    pub read_only: bool,
}

impl ConnectOptions {
    /// Options for `host` with SQL authentication and every other setting at
    /// its default.
    pub fn new(
        host: impl Into<String>,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        ConnectOptions {
            host: host.into(),
            port: DEFAULT_PORT,
            instance: None,
            database: None,
            auth: Auth::SqlServer {
                user: user.into(),
                password: Password::new(password),
            },
            encrypt: Encrypt::Required,
            trust_server_certificate: false,
            trust_server_certificate_ca: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            command_timeout: Some(DEFAULT_COMMAND_TIMEOUT),
            application_name: None,
            read_only: false,
        }
    }

    /// Parses any supported form: a URL (`mssql://`, `sqlserver://`), a JDBC
    /// string (`jdbc:sqlserver://`) or an ADO.NET connection string.
    pub fn parse(input: &str) -> Result<Self, ConfigError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ConfigError::Empty);
        }
        let lower = trimmed.get(..20).unwrap_or(trimmed).to_ascii_lowercase();
        if lower.starts_with("jdbc:") {
            Self::from_jdbc(trimmed)
        } else if lower.starts_with("mssql://") || lower.starts_with("sqlserver://") {
            Self::from_url(trimmed)
        } else if let Some(scheme) = url_scheme(trimmed) {
            Err(ConfigError::UnsupportedScheme {
                scheme: scheme.to_owned(),
            })
        } else {
            Self::from_ado(trimmed)
        }
    }

    /// Parses an ADO.NET connection string:
    /// `Server=tcp:host,1433;Database=db;User Id=u;Password=p;Encrypt=true;`
    /// `TrustServerCertificate=false;Connection Timeout=15;Application Name=app`.
    ///
    /// Keys are case-insensitive and accept the usual synonyms (`Data
    /// Source`, `Initial Catalog`, `UID`, `PWD`, ...); values may be quoted
    /// with `'` or `"` (double the quote to embed it). Unknown keys are an
    /// error, except a few ADO.NET pool/driver keys that do not apply here
    /// (`MultipleActiveResultSets`, `Persist Security Info`, `Pooling`, ...).
    pub fn from_ado(input: &str) -> Result<Self, ConfigError> {
        let pairs = parse_pairs(input)?;
        let mut b = Builder::default();
        for (key, value) in pairs {
            b.apply(&key, value, Dialect::Ado)?;
        }
        b.finish()
    }

    /// Parses a JDBC string:
    /// `jdbc:sqlserver://host:1433;databaseName=db;user=u;password=p;encrypt=true`.
    pub fn from_jdbc(input: &str) -> Result<Self, ConfigError> {
        let rest = strip_prefix_ci(input, "jdbc:sqlserver://").ok_or_else(|| {
            ConfigError::UnsupportedScheme {
                scheme: url_scheme(input.get(5..).unwrap_or(""))
                    .unwrap_or("jdbc")
                    .to_owned(),
            }
        })?;
        let (server, props) = match rest.find(';') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let mut b = Builder::default();
        if !server.is_empty() {
            let (host, port) = split_host_port(server, ':')?;
            b.set_server(host, port)?;
        }
        for (key, value) in parse_pairs(props)? {
            b.apply(&key, value, Dialect::Jdbc)?;
        }
        b.finish()
    }

    /// Parses a URL: `mssql://user:password@host:1433/database?encrypt=true&trustServerCertificate=true`
    /// (also `sqlserver://`). User and password are percent-decoded; query
    /// keys are the ADO.NET keys without spaces, case-insensitive
    /// (`encrypt`, `trustServerCertificate`, `connectTimeout`,
    /// `commandTimeout`, `applicationName`, `applicationIntent`,
    /// `integratedSecurity`).
    pub fn from_url(input: &str) -> Result<Self, ConfigError> {
        let url = url::Url::parse(input).map_err(|e| ConfigError::MalformedUrl {
            reason: e.to_string(),
        })?;
        match url.scheme() {
            "mssql" | "sqlserver" => {}
            other => {
                return Err(ConfigError::UnsupportedScheme {
                    scheme: other.to_owned(),
                });
            }
        }
        let mut b = Builder::default();
        let host = url.host_str().unwrap_or("");
        if host.is_empty() {
            return Err(ConfigError::MissingHost);
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        b.set_server(host, url.port())?;
        if !url.username().is_empty() {
            b.user = Some(decode_component(url.username(), "user")?);
        }
        if let Some(p) = url.password() {
            b.password = Some(Password(decode_component(p, "password")?));
        }
        let path = url.path().trim_start_matches('/');
        if !path.is_empty() {
            if path.contains('/') {
                return Err(ConfigError::MalformedUrl {
                    reason: "the path must be just the database name".to_owned(),
                });
            }
            b.database = Some(decode_component(path, "database")?);
        }
        for (key, value) in url.query_pairs() {
            b.apply(&key.to_ascii_lowercase(), value.into_owned(), Dialect::Url)?;
        }
        b.finish()
    }

    /// `host:port` (or `host\instance:port`), for error messages. Never
    /// contains credentials.
    pub fn server(&self) -> String {
        match &self.instance {
            Some(i) => format!("{}\\{}:{}", self.host, i, self.port),
            None => format!("{}:{}", self.host, self.port),
        }
    }

    /// The login name, when SQL authentication is used.
    pub fn user(&self) -> Option<&str> {
        match &self.auth {
            Auth::SqlServer { user, .. } => Some(user),
            Auth::Integrated => None,
        }
    }

    /// Builds the tiberius configuration.
    pub fn to_tiberius(&self) -> Result<tiberius::Config, ConfigError> {
        let mut c = tiberius::Config::new();
        c.host(&self.host);
        c.port(self.port);
        if let Some(db) = &self.database {
            c.database(db);
        }
        if let Some(app) = &self.application_name {
            c.application_name(app);
        }
        c.authentication(match &self.auth {
            Auth::SqlServer { user, password } => {
                tiberius::AuthMethod::sql_server(user, password.expose())
            }
            Auth::Integrated => integrated_auth()?,
        });
        c.encryption(match self.encrypt {
            Encrypt::Required => tiberius::EncryptionLevel::Required,
            Encrypt::LoginOnly => tiberius::EncryptionLevel::Off,
            Encrypt::Never => tiberius::EncryptionLevel::NotSupported,
        });
        // `trust_cert` and `trust_cert_ca` panic when combined; the parser
        // refuses the combination, and this guard covers hand-built options.
        match (
            &self.trust_server_certificate,
            &self.trust_server_certificate_ca,
        ) {
            (true, Some(_)) => {
                return Err(ConfigError::Conflict {
                    first: "TrustServerCertificate",
                    second: "TrustServerCertificateCA",
                });
            }
            (true, None) => c.trust_cert(),
            (false, Some(ca)) => c.trust_cert_ca(ca),
            (false, None) => {}
        }
        c.readonly(self.read_only);
        c.handshake_timeout(self.connect_timeout);
        c.command_timeout(self.command_timeout);
        Ok(c)
    }
}

#[cfg(any(windows, feature = "integrated-auth-gssapi"))]
fn integrated_auth() -> Result<tiberius::AuthMethod, ConfigError> {
    Ok(tiberius::AuthMethod::Integrated)
}

#[cfg(not(any(windows, feature = "integrated-auth-gssapi")))]
fn integrated_auth() -> Result<tiberius::AuthMethod, ConfigError> {
    Err(ConfigError::IntegratedAuthUnavailable)
}

impl FromStr for ConnectOptions {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ConnectOptions::parse(s).map_err(crate::Error::Config)
    }
}

/// What is wrong with a connection string. Messages never contain the
/// password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The string is empty.
    #[error("the connection string is empty")]
    Empty,
    /// A part of an ADO.NET/JDBC string is not `key=value`.
    #[error("malformed connection string at byte {position}: {reason}")]
    Malformed {
        /// Byte offset of the problem.
        position: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A URL that does not parse.
    #[error("malformed connection URL: {reason}")]
    MalformedUrl {
        /// What is wrong (from the URL parser; the URL itself is not repeated).
        reason: String,
    },
    /// A URL scheme other than `mssql`, `sqlserver` or `jdbc:sqlserver`.
    #[error(
        "unsupported scheme `{scheme}`: use mssql://, sqlserver://, jdbc:sqlserver:// or an ADO.NET string"
    )]
    UnsupportedScheme {
        /// The scheme found.
        scheme: String,
    },
    /// A key this runtime does not know.
    #[error("unknown connection string key `{key}`")]
    UnknownKey {
        /// The key, as written.
        key: String,
    },
    /// The same setting given twice.
    #[error("connection string key `{key}` is given more than once")]
    DuplicateKey {
        /// The key, lower-cased.
        key: String,
    },
    /// A value that does not fit its key. The value is not repeated for the
    /// password.
    #[error("invalid value {} for `{key}`: expected {expected}", value.as_deref().map_or_else(|| "(hidden)".to_owned(), |v| format!("`{v}`")))]
    InvalidValue {
        /// The key.
        key: String,
        /// The value (absent for secrets).
        value: Option<String>,
        /// What would be accepted.
        expected: &'static str,
    },
    /// No server given.
    #[error("the connection string names no server (Server=host,port or mssql://host)")]
    MissingHost,
    /// A named instance (`host\\INSTANCE`) without a port: the SQL Browser
    /// lookup that finds its port is not compiled in.
    #[error(
        "named instance `{instance}` needs an explicit port (Server=host\\{instance},PORT): \
         SQL Browser lookups are not supported"
    )]
    InstanceWithoutPort {
        /// The instance name.
        instance: String,
    },
    /// No credentials and no integrated security.
    #[error(
        "the connection string has no credentials: give User Id and Password, or Integrated Security=true"
    )]
    MissingCredentials,
    /// A user without a password or the other way round.
    #[error("the connection string gives {given} but not {missing}")]
    IncompleteCredentials {
        /// What is there.
        given: &'static str,
        /// What is missing.
        missing: &'static str,
    },
    /// Two settings that exclude each other.
    #[error("`{first}` and `{second}` cannot be used together")]
    Conflict {
        /// One setting.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// Integrated security was asked for, but this build cannot do it.
    #[error(
        "integrated security needs the `integrated-auth-gssapi` feature on Unix (with libkrb5-dev installed); \
         on Windows tiberius's `winauth` feature provides it"
    )]
    IntegratedAuthUnavailable,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Ado,
    Jdbc,
    Url,
}

#[derive(Default)]
struct Builder {
    host: Option<String>,
    port: Option<u16>,
    instance: Option<String>,
    database: Option<String>,
    user: Option<String>,
    password: Option<Password>,
    integrated: Option<bool>,
    encrypt: Option<Encrypt>,
    trust: Option<bool>,
    trust_ca: Option<String>,
    connect_timeout: Option<Option<Duration>>,
    command_timeout: Option<Option<Duration>>,
    application_name: Option<String>,
    read_only: Option<bool>,
    seen: Vec<&'static str>,
}

/// Keys of ADO.NET and JDBC that describe client-side pooling or features
/// that do not apply to this runtime; accepted and ignored so strings copied
/// from the Azure portal or appsettings.json work unchanged.
const IGNORED_KEYS: &[&str] = &[
    "multipleactiveresultsets",
    "mars_connection",
    "persist security info",
    "persistsecurityinfo",
    "pooling",
    "max pool size",
    "min pool size",
    "connection lifetime",
    "load balance timeout",
    "connectretrycount",
    "connect retry count",
    "connectretryinterval",
    "connect retry interval",
    "packet size",
    "packetsize",
    "workstation id",
    "wsid",
    "multisubnetfailover",
    "multi subnet failover",
    "sendstringparametersasunicode",
];

impl Builder {
    fn once(&mut self, canonical: &'static str) -> Result<(), ConfigError> {
        if self.seen.contains(&canonical) {
            return Err(ConfigError::DuplicateKey {
                key: canonical.to_owned(),
            });
        }
        self.seen.push(canonical);
        Ok(())
    }

    fn set_server(&mut self, host: &str, port: Option<u16>) -> Result<(), ConfigError> {
        self.once("server")?;
        let host = host.trim();
        if host.is_empty() {
            return Err(ConfigError::MissingHost);
        }
        let (host, instance) = match host.split_once('\\') {
            Some((h, i)) => (h, Some(i.to_owned())),
            None => (host, None),
        };
        let host = match host {
            "." | "(local)" | "(localdb)" => "localhost",
            h => h,
        };
        self.host = Some(host.to_owned());
        self.instance = instance;
        self.port = port;
        Ok(())
    }

    fn apply(&mut self, key: &str, value: String, dialect: Dialect) -> Result<(), ConfigError> {
        let k = key.trim().to_ascii_lowercase();
        let compact: String = k
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .collect();
        match compact.as_str() {
            "server" | "datasource" | "address" | "addr" | "networkaddress" | "host"
                if dialect != Dialect::Url =>
            {
                let v = value.trim();
                let v = strip_prefix_ci(v, "tcp:").unwrap_or(v);
                let (host, port) = split_host_port(v, ',')?;
                self.set_server(host, port)
            }
            "servername" if dialect == Dialect::Jdbc => self.set_server(&value, self.port),
            "port" | "portnumber" if dialect == Dialect::Jdbc => {
                self.port = Some(parse_port(&value)?);
                Ok(())
            }
            "instancename" if dialect == Dialect::Jdbc => {
                self.instance = Some(value);
                Ok(())
            }
            "database" | "initialcatalog" | "databasename" => {
                self.once("database")?;
                if !value.trim().is_empty() {
                    self.database = Some(value.trim().to_owned());
                }
                Ok(())
            }
            "userid" | "uid" | "user" | "username" => {
                self.once("user")?;
                self.user = Some(value.trim().to_owned());
                Ok(())
            }
            "password" | "pwd" => {
                self.once("password")?;
                self.password = Some(Password(value));
                Ok(())
            }
            "integratedsecurity" | "trustedconnection" => {
                self.once("integrated security")?;
                let v = value.trim().to_ascii_lowercase();
                self.integrated = Some(match v.as_str() {
                    "sspi" => true,
                    _ => parse_bool(&k, &value)?,
                });
                Ok(())
            }
            "encrypt" => {
                self.once("encrypt")?;
                self.encrypt = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "mandatory" | "required" => Encrypt::Required,
                    "false" | "no" | "optional" => Encrypt::LoginOnly,
                    "danger_plaintext" => Encrypt::Never,
                    _ => {
                        return Err(ConfigError::InvalidValue {
                            key: k,
                            value: Some(value),
                            expected: "true, false, mandatory, optional or DANGER_PLAINTEXT (strict needs TDS 8.0, which this build does not enable)",
                        });
                    }
                });
                Ok(())
            }
            "trustservercertificate" => {
                self.once("trustservercertificate")?;
                self.trust = Some(parse_bool(&k, &value)?);
                Ok(())
            }
            "trustservercertificateca" => {
                self.once("trustservercertificateca")?;
                self.trust_ca = Some(value.trim().to_owned());
                Ok(())
            }
            "connectiontimeout" | "connecttimeout" | "timeout" | "logintimeout" => {
                self.once("connect timeout")?;
                self.connect_timeout = Some(parse_seconds(&k, &value)?);
                Ok(())
            }
            "commandtimeout" => {
                self.once("command timeout")?;
                self.command_timeout = Some(parse_seconds(&k, &value)?);
                Ok(())
            }
            "applicationname" | "app" => {
                self.once("application name")?;
                self.application_name = Some(value.trim().to_owned());
                Ok(())
            }
            "applicationintent" => {
                self.once("applicationintent")?;
                self.read_only = Some(match value.trim().to_ascii_lowercase().as_str() {
                    "readonly" => true,
                    "readwrite" => false,
                    _ => {
                        return Err(ConfigError::InvalidValue {
                            key: k,
                            value: Some(value),
                            expected: "ReadOnly or ReadWrite",
                        });
                    }
                });
                Ok(())
            }
            _ if IGNORED_KEYS
                .iter()
                .any(|i| i.eq_ignore_ascii_case(&k) || i.eq_ignore_ascii_case(&compact)) =>
            {
                Ok(())
            }
            _ => Err(ConfigError::UnknownKey {
                key: key.trim().to_owned(),
            }),
        }
    }

    fn finish(self) -> Result<ConnectOptions, ConfigError> {
        let host = self.host.ok_or(ConfigError::MissingHost)?;
        // A named instance listens on a port the SQL Browser service knows;
        // guessing 1433 could reach the default instance instead.
        if let (Some(instance), None) = (&self.instance, self.port) {
            return Err(ConfigError::InstanceWithoutPort {
                instance: instance.clone(),
            });
        }
        let integrated = self.integrated.unwrap_or(false);
        let auth = match (self.user, self.password, integrated) {
            (Some(_), _, true) | (_, Some(_), true) => {
                return Err(ConfigError::Conflict {
                    first: "Integrated Security",
                    second: "User Id/Password",
                });
            }
            (None, None, true) => Auth::Integrated,
            (Some(user), Some(password), false) => {
                if user.is_empty() {
                    return Err(ConfigError::InvalidValue {
                        key: "user id".to_owned(),
                        value: Some(String::new()),
                        expected: "a login name",
                    });
                }
                Auth::SqlServer { user, password }
            }
            (Some(_), None, false) => {
                return Err(ConfigError::IncompleteCredentials {
                    given: "User Id",
                    missing: "Password",
                });
            }
            (None, Some(_), false) => {
                return Err(ConfigError::IncompleteCredentials {
                    given: "Password",
                    missing: "User Id",
                });
            }
            (None, None, false) => return Err(ConfigError::MissingCredentials),
        };
        let trust = self.trust.unwrap_or(false);
        if trust && self.trust_ca.is_some() {
            return Err(ConfigError::Conflict {
                first: "TrustServerCertificate",
                second: "TrustServerCertificateCA",
            });
        }
        Ok(ConnectOptions {
            host,
            port: self.port.unwrap_or(DEFAULT_PORT),
            instance: self.instance,
            database: self.database,
            auth,
            encrypt: self.encrypt.unwrap_or_default(),
            trust_server_certificate: trust,
            trust_server_certificate_ca: self.trust_ca,
            connect_timeout: self
                .connect_timeout
                .unwrap_or(Some(DEFAULT_CONNECT_TIMEOUT)),
            command_timeout: self
                .command_timeout
                .unwrap_or(Some(DEFAULT_COMMAND_TIMEOUT)),
            application_name: self.application_name,
            read_only: self.read_only.unwrap_or(false),
        })
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(ConfigError::InvalidValue {
            key: key.to_owned(),
            value: Some(value.to_owned()),
            expected: "true or false",
        }),
    }
}

/// Seconds; `0` means no limit, as in ADO.NET.
fn parse_seconds(key: &str, value: &str) -> Result<Option<Duration>, ConfigError> {
    match value.trim().parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(s) if s <= 24 * 3600 => Ok(Some(Duration::from_secs(s))),
        _ => Err(ConfigError::InvalidValue {
            key: key.to_owned(),
            value: Some(value.to_owned()),
            expected: "a number of seconds between 0 (no limit) and 86400",
        }),
    }
}

fn parse_port(value: &str) -> Result<u16, ConfigError> {
    match value.trim().parse::<u16>() {
        Ok(p) if p != 0 => Ok(p),
        _ => Err(ConfigError::InvalidValue {
            key: "port".to_owned(),
            value: Some(value.to_owned()),
            expected: "a TCP port between 1 and 65535",
        }),
    }
}

/// Splits `host<sep>port`; IPv6 literals in brackets keep their colons.
fn split_host_port(s: &str, sep: char) -> Result<(&str, Option<u16>), ConfigError> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']').ok_or(ConfigError::Malformed {
            position: 0,
            reason: "unclosed `[` in an IPv6 address",
        })?;
        let host = &rest[..end];
        let after = &rest[end + 1..];
        return match after.strip_prefix(sep) {
            Some(p) => Ok((host, Some(parse_port(p)?))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(ConfigError::Malformed {
                position: end + 2,
                reason: "unexpected text after an IPv6 address",
            }),
        };
    }
    match s.rsplit_once(sep) {
        Some((h, p)) => Ok((h, Some(parse_port(p)?))),
        None => Ok((s, None)),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// The scheme of `scheme://...`, if the string looks like a URL.
fn url_scheme(s: &str) -> Option<&str> {
    let i = s.find("://")?;
    let scheme = &s[..i];
    (!scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

fn decode_component(s: &str, what: &'static str) -> Result<String, ConfigError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| ConfigError::MalformedUrl {
            reason: format!("the {what} is not valid UTF-8 after percent-decoding"),
        })
}

/// Splits an ADO.NET-style `key=value;...` string. Values may be quoted with
/// `'` or `"`; a doubled quote inside is a literal quote; `==` in a key is a
/// literal `=`.
fn parse_pairs(input: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    loop {
        while chars
            .next_if(|&(_, c)| c == ';' || c.is_whitespace())
            .is_some()
        {}
        let Some(&(start, _)) = chars.peek() else {
            return Ok(out);
        };
        let mut key = String::new();
        loop {
            match chars.next() {
                None | Some((_, ';')) => {
                    return Err(ConfigError::Malformed {
                        position: start,
                        reason: "expected `key=value`",
                    });
                }
                Some((_, '=')) => {
                    if chars.next_if(|&(_, c)| c == '=').is_some() {
                        key.push('=');
                        continue;
                    }
                    break;
                }
                Some((_, c)) => key.push(c),
            }
        }
        let key = key.trim().to_owned();
        if key.is_empty() {
            return Err(ConfigError::Malformed {
                position: start,
                reason: "empty key",
            });
        }
        while chars
            .next_if(|&(_, c)| c.is_whitespace() && c != ';')
            .is_some()
        {}
        let mut value = String::new();
        match chars.peek().copied() {
            Some((qpos, open @ ('\'' | '"' | '{'))) => {
                // `{...}` is JDBC's quoting (also accepted by tiberius).
                let q = if open == '{' { '}' } else { open };
                chars.next();
                loop {
                    match chars.next() {
                        None => {
                            return Err(ConfigError::Malformed {
                                position: qpos,
                                reason: "unclosed quote",
                            });
                        }
                        Some((_, c)) if c == q => {
                            if chars.next_if(|&(_, c)| c == q).is_some() {
                                value.push(q);
                            } else {
                                break;
                            }
                        }
                        Some((_, c)) => value.push(c),
                    }
                }
                while chars
                    .next_if(|&(_, c)| c.is_whitespace() && c != ';')
                    .is_some()
                {}
                match chars.next() {
                    None | Some((_, ';')) => {}
                    Some((pos, _)) => {
                        return Err(ConfigError::Malformed {
                            position: pos,
                            reason: "text after a closing quote (missing `;`?)",
                        });
                    }
                }
            }
            _ => {
                while let Some((_, c)) = chars.next_if(|&(_, c)| c != ';') {
                    value.push(c);
                }
                chars.next();
                value = value.trim().to_owned();
            }
        }
        out.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> ConnectOptions {
        match ConnectOptions::parse(s) {
            Ok(o) => o,
            Err(e) => panic!("{s:?} failed: {e}"),
        }
    }

    fn err(s: &str) -> ConfigError {
        match ConnectOptions::parse(s) {
            Ok(o) => panic!("{s:?} parsed as {o:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn ado_fields() {
        let o = ok(
            "Server=tcp:db.example.com,1444;Database=shop;User Id=app;Password='p@ss;w''rd';\
                    Encrypt=false;TrustServerCertificate=true;Connection Timeout=5;Command Timeout=0;\
                    Application Name=quarry-tests;ApplicationIntent=ReadOnly",
        );
        assert_eq!(o.host, "db.example.com");
        assert_eq!(o.port, 1444);
        assert_eq!(o.database.as_deref(), Some("shop"));
        assert_eq!(
            o.auth,
            Auth::SqlServer {
                user: "app".into(),
                password: Password::new("p@ss;w'rd")
            }
        );
        assert_eq!(o.encrypt, Encrypt::LoginOnly);
        assert!(o.trust_server_certificate);
        assert_eq!(o.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(o.command_timeout, None);
        assert_eq!(o.application_name.as_deref(), Some("quarry-tests"));
        assert!(o.read_only);
    }

    #[test]
    fn ado_defaults_are_secure() {
        let o = ok("Data Source=localhost;Initial Catalog=db;UID=sa;PWD=x");
        assert_eq!(o.port, DEFAULT_PORT);
        assert_eq!(o.encrypt, Encrypt::Required);
        assert!(!o.trust_server_certificate);
        assert_eq!(o.connect_timeout, Some(DEFAULT_CONNECT_TIMEOUT));
        assert_eq!(o.command_timeout, Some(DEFAULT_COMMAND_TIMEOUT));
    }

    #[test]
    fn ado_synonyms_and_local_names() {
        for s in [".", "(local)", "localhost"] {
            let o = ok(&format!("server={s};user id=u;password=p"));
            assert_eq!(o.host, "localhost");
        }
        let o = ok("Address=host\\SQLEXPRESS,1500;User=u;Pwd=p;Encrypt=DANGER_PLAINTEXT");
        assert_eq!(o.host, "host");
        assert_eq!(o.instance.as_deref(), Some("SQLEXPRESS"));
        assert_eq!(o.port, 1500);
        assert_eq!(o.encrypt, Encrypt::Never);
        assert_eq!(o.server(), "host\\SQLEXPRESS:1500");
    }

    #[test]
    fn ado_ignores_pool_keys_from_portal_strings() {
        let o = ok(
            "Server=tcp:x.database.windows.net,1433;Initial Catalog=db;Persist Security Info=False;\
                    User ID=u;Password=p;MultipleActiveResultSets=False;Encrypt=True;\
                    TrustServerCertificate=False;Connection Timeout=30;",
        );
        assert_eq!(o.host, "x.database.windows.net");
        assert_eq!(o.connect_timeout, Some(Duration::from_secs(30)));
    }

    #[test]
    fn ado_integrated() {
        let o = ok("Server=h;Integrated Security=SSPI");
        assert_eq!(o.auth, Auth::Integrated);
        let o = ok("Server=h;Trusted_Connection=yes");
        assert_eq!(o.auth, Auth::Integrated);
        assert!(matches!(
            err("Server=h;Integrated Security=true;User Id=u;Password=p"),
            ConfigError::Conflict { .. }
        ));
    }

    #[cfg(not(any(windows, feature = "integrated-auth-gssapi")))]
    #[test]
    fn integrated_without_feature_is_a_clear_error() {
        let o = ok("Server=h;Integrated Security=true");
        assert_eq!(
            o.to_tiberius().unwrap_err(),
            ConfigError::IntegratedAuthUnavailable
        );
    }

    #[test]
    fn ado_errors() {
        assert_eq!(err(""), ConfigError::Empty);
        assert_eq!(err("   "), ConfigError::Empty);
        assert!(matches!(
            err("Server=h;bogus"),
            ConfigError::Malformed { position: 9, .. }
        ));
        assert!(matches!(err("Server=h;=x"), ConfigError::Malformed { .. }));
        assert!(matches!(
            err("Server=h;Password='abc"),
            ConfigError::Malformed {
                reason: "unclosed quote",
                ..
            }
        ));
        assert!(matches!(
            err("Server=h;Password='a'b;User Id=u"),
            ConfigError::Malformed { .. }
        ));
        assert_eq!(
            err("Server=h;Colour=blue;User Id=u;Password=p"),
            ConfigError::UnknownKey {
                key: "Colour".into()
            }
        );
        assert_eq!(
            err("Database=x;User Id=u;Password=p"),
            ConfigError::MissingHost
        );
        assert_eq!(err("Server=h"), ConfigError::MissingCredentials);
        assert!(matches!(
            err("Server=h;User Id=u"),
            ConfigError::IncompleteCredentials {
                missing: "Password",
                ..
            }
        ));
        assert!(matches!(
            err("Server=h;Password=p"),
            ConfigError::IncompleteCredentials {
                missing: "User Id",
                ..
            }
        ));
        assert!(matches!(
            err("Server=h,99999;User Id=u;Password=p"),
            ConfigError::InvalidValue { .. }
        ));
        assert!(matches!(
            err("Server=h,abc;User Id=u;Password=p"),
            ConfigError::InvalidValue { .. }
        ));
        assert!(matches!(
            err("Server=h;User Id=u;Password=p;Encrypt=maybe"),
            ConfigError::InvalidValue { .. }
        ));
        assert!(matches!(
            err("Server=h;User Id=u;Password=p;TrustServerCertificate=perhaps"),
            ConfigError::InvalidValue { .. }
        ));
        assert!(matches!(
            err("Server=h;User Id=u;Password=p;Connection Timeout=-1"),
            ConfigError::InvalidValue { .. }
        ));
        assert!(matches!(
            err("Server=h;Server=g;User Id=u;Password=p"),
            ConfigError::DuplicateKey { .. }
        ));
        assert_eq!(
            err("Server=h\\SQLEXPRESS;User Id=u;Password=p"),
            ConfigError::InstanceWithoutPort {
                instance: "SQLEXPRESS".into()
            }
        );
        assert!(matches!(
            err(
                "Server=h;User Id=u;Password=p;TrustServerCertificate=true;TrustServerCertificateCA=/ca.pem"
            ),
            ConfigError::Conflict { .. }
        ));
    }

    #[test]
    fn url_form() {
        let o = ok(
            "mssql://app:p%40ss%3Bw@db.example.com:1444/shop?encrypt=false&trustServerCertificate=true&applicationName=x&connectTimeout=3",
        );
        assert_eq!(o.host, "db.example.com");
        assert_eq!(o.port, 1444);
        assert_eq!(o.database.as_deref(), Some("shop"));
        assert_eq!(o.user(), Some("app"));
        assert_eq!(
            o.auth,
            Auth::SqlServer {
                user: "app".into(),
                password: Password::new("p@ss;w")
            }
        );
        assert_eq!(o.encrypt, Encrypt::LoginOnly);
        assert!(o.trust_server_certificate);
        assert_eq!(o.application_name.as_deref(), Some("x"));
        assert_eq!(o.connect_timeout, Some(Duration::from_secs(3)));

        let o = ok("sqlserver://sa:pw@localhost");
        assert_eq!(o.port, DEFAULT_PORT);
        assert_eq!(o.database, None);
        assert_eq!(o.encrypt, Encrypt::Required);

        let o = ok("mssql://sa:pw@[::1]:1500/db");
        assert_eq!(o.host, "::1");
        assert_eq!(o.port, 1500);
    }

    #[test]
    fn url_errors() {
        assert_eq!(
            err("postgres://u:p@h/db"),
            ConfigError::UnsupportedScheme {
                scheme: "postgres".into()
            }
        );
        assert_eq!(
            err("mssql://u:p@h/db?colour=blue"),
            ConfigError::UnknownKey {
                key: "colour".into()
            }
        );
        assert!(matches!(
            err("mssql://u:p@h:notaport/db"),
            ConfigError::MalformedUrl { .. }
        ));
        assert!(matches!(
            err("mssql://u:p@h/db/extra"),
            ConfigError::MalformedUrl { .. }
        ));
        assert_eq!(err("mssql://h/db"), ConfigError::MissingCredentials);
        assert!(matches!(
            err("mssql://u:p@h/db?encrypt=sometimes"),
            ConfigError::InvalidValue { .. }
        ));
    }

    #[test]
    fn jdbc_form() {
        let o = ok(
            "jdbc:sqlserver://db.example.com:1444;databaseName=shop;user=app;password={x};encrypt=true;trustServerCertificate=true",
        );
        assert_eq!(o.host, "db.example.com");
        assert_eq!(o.port, 1444);
        assert_eq!(o.database.as_deref(), Some("shop"));
        assert_eq!(o.user(), Some("app"));
        assert!(o.trust_server_certificate);
        let o = ok("jdbc:sqlserver://;serverName=h;portNumber=1500;user=u;password=p");
        assert_eq!((o.host.as_str(), o.port), ("h", 1500));
        assert!(matches!(
            err("jdbc:postgresql://h/db"),
            ConfigError::UnsupportedScheme { .. }
        ));
    }

    #[test]
    fn password_never_printed() {
        for s in [
            "Server=h;User Id=u;Password=hunter2-secret",
            "mssql://u:hunter2-secret@h/db",
            "jdbc:sqlserver://h;user=u;password=hunter2-secret",
        ] {
            let o = ok(s);
            let dbg = format!("{o:?} {:?} {:#?}", o.auth, o);
            assert!(!dbg.contains("hunter2"), "{dbg}");
            assert!(dbg.contains("***"));
        }
        // A bad value for the password key is not echoed either: only keys
        // are named in errors, and the password key never fails.
        let e = err("Server=h;User Id=u;Password=hunter2-secret;Encrypt=nah");
        assert!(!e.to_string().contains("hunter2"));
        let e = err("mssql://u:hunter2-secret@h:badport/db");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn to_tiberius_builds() {
        let o = ok("Server=h,1500;User Id=u;Password=p;TrustServerCertificate=true;Encrypt=false");
        let c = o.to_tiberius().unwrap();
        assert_eq!(c.get_addr(), "h:1500");
        assert_eq!(c.get_command_timeout(), Some(DEFAULT_COMMAND_TIMEOUT));
        assert_eq!(c.get_handshake_timeout(), Some(DEFAULT_CONNECT_TIMEOUT));
    }
}
