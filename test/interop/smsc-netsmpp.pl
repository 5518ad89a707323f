#!/usr/bin/perl
# A small SMSC for wapgate's SMPP interop tests, built on Net::SMPP (Debian libnet-smpp-perl) — an SMPP
# implementation wapgate did not write. Listens on 127.0.0.1 (ephemeral port, printed as "PORT n"),
# serves one ESME connection at a time, answers binds (checking system_id/password), enquire_link, unbind,
# and submit_sm (message ids m1, m2, ...). Every submit_sm is printed as one JSON line; when
# registered_delivery asks for it, a delivery receipt (deliver_sm, esm_class 0x04) follows: stat:UNDELIV
# for destinations ending in 666, DELIVRD otherwise.
# Usage: smsc-netsmpp.pl SYSTEM_ID PASSWORD [DROP_AFTER]   (DROP_AFTER: close the link after N submits, once)
use strict;
use warnings;
use Net::SMPP;
use IO::Handle;

my ($sysid, $pw, $drop_after) = @ARGV;
$drop_after = 0 unless defined $drop_after;
STDOUT->autoflush(1);

my $srv = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34, interface_version => 0x34)
  or die "listen: $!";
print "PORT ", $srv->sockport, "\n";

my $msgno = 0;
my $submits = 0;
my $dropped = 0;

sub jstr { my $s = shift; $s = '' unless defined $s; $s =~ s/(["\\])/\\$1/g; $s =~ s/([\x00-\x1f])/sprintf('\\u%04x', ord $1)/ge; return "\"$s\""; }

while (1) {
  my $c = $srv->accept or next;
  print "{\"event\":\"connect\"}\n";
  while (1) {
    my $pdu = $c->read_pdu() or last;
    my $cmd = $pdu->{cmd};
    if ($cmd == 0x00000009 || $cmd == 0x00000002 || $cmd == 0x00000001) {
      my $ok = ($pdu->{system_id} eq $sysid && $pdu->{password} eq $pw);
      my $resp = $cmd == 0x00000009 ? 'bind_transceiver_resp' : $cmd == 0x00000002 ? 'bind_transmitter_resp' : 'bind_receiver_resp';
      $c->$resp(system_id => 'netsmpp', seq => $pdu->{seq}, status => ($ok ? 0 : 0x0E));
      print "{\"event\":\"bind\",\"system_id\":", jstr($pdu->{system_id}), ",\"ok\":", ($ok ? 'true' : 'false'), "}\n";
    } elsif ($cmd == 0x00000015) {
      $c->enquire_link_resp(seq => $pdu->{seq});
    } elsif ($cmd == 0x00000006) {
      $c->unbind_resp(seq => $pdu->{seq});
      print "{\"event\":\"unbind\"}\n";
      last;
    } elsif ($cmd == 0x00000004) {
      my $id = 'm' . ++$msgno;
      $submits++;
      print "{\"event\":\"submit_sm\",\"message_id\":\"$id\",\"source_addr\":", jstr($pdu->{source_addr}),
        ",\"destination_addr\":", jstr($pdu->{destination_addr}), ",\"dest_addr_ton\":$pdu->{dest_addr_ton}",
        ",\"dest_addr_npi\":$pdu->{dest_addr_npi},\"esm_class\":$pdu->{esm_class},\"data_coding\":$pdu->{data_coding}",
        ",\"protocol_id\":$pdu->{protocol_id},\"registered_delivery\":$pdu->{registered_delivery}",
        ",\"short_message\":\"", unpack('H*', $pdu->{short_message}), "\"}\n";
      $c->submit_sm_resp(message_id => $id, seq => $pdu->{seq});
      if ($pdu->{registered_delivery} & 1) {
        my $stat = $pdu->{destination_addr} =~ /666$/ ? 'UNDELIV' : 'DELIVRD';
        my $err = $stat eq 'DELIVRD' ? '000' : '001';
        $c->deliver_sm(source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
          esm_class => 0x04, data_coding => 0,
          short_message => "id:$id sub:001 dlvrd:001 submit date:2611281200 done date:2611281200 stat:$stat err:$err text:",
          async => 1);
      }
      if ($drop_after && !$dropped && $submits >= $drop_after) {
        $dropped = 1;
        print "{\"event\":\"drop\"}\n";
        last;
      }
    } elsif ($cmd == 0x80000005) {
      # deliver_sm_resp
      print "{\"event\":\"deliver_sm_resp\",\"status\":$pdu->{status}}\n";
    } elsif (!($cmd & 0x80000000)) {
      $c->generic_nack(seq => $pdu->{seq}, status => 0x03);
    }
  }
  close $c;
  print "{\"event\":\"disconnect\"}\n";
}
