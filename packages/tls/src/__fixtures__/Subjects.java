// Prints X509Certificate.getSubjectX500Principal().getName() (RFC 2253) for each certificate file given, one per
// line: the oracle for @zkts/tls's certificateSubject (what ZooKeeper's X509AuthenticationProvider uses as the id).
import java.io.FileInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

public class Subjects {
    public static void main(String[] args) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (String a : args) {
            try (FileInputStream in = new FileInputStream(a)) {
                X509Certificate c = (X509Certificate) cf.generateCertificate(in);
                System.out.println(c.getSubjectX500Principal().getName());
            }
        }
    }
}
